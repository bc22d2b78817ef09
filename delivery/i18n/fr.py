"""The interface in French: every UI string, by key (see delivery/i18n)."""

STRINGS: dict[str, str] = {
    # alerts and digests
    "digest": "Résumé",
    "stories#one": "{n} article",
    "stories#other": "{n} articles",
    "alerts#one": "{n} alerte",
    "alerts#other": "{n} alertes",
    "also": "aussi :",
    "more_outlets": "+{n} autres",
    "surge": "Largement repris",
    "continued": "suite",
    "new_topics#one": "Nouveau thème : {topics}. Envoyez /topics pour le suivre.",
    "new_topics#other": "Nouveaux thèmes : {topics}. Envoyez /topics pour les suivre.",
    # subscribing and settings
    "welcome": "Abonnement actif. Thèmes : {topics}.\nMode : {mode}. /help pour les commandes.",
    "welcome_back": "Re-bonjour : votre abonnement est de nouveau actif.",
    "stopped": "Désabonné. Envoyez /start pour vous réabonner.",
    "not_subscribed": "Ce chat n'est pas abonné. Envoyez d'abord /start.",
    "not_allowed": "Désolé, ce bot est privé. Demandez l'accès à son opérateur.",
    "admin_only": "Désolé, cette commande est réservée aux opérateurs du bot.",
    "group_admins_only": (
        "Désolé, seuls les administrateurs du groupe peuvent changer ses réglages."
    ),
    "group_check_failed": (
        "Je n'ai pas pu vérifier si vous administrez ce groupe. Réessayez dans un instant."
    ),
    "topics_pick": "Touchez un thème pour le suivre ou ne plus le suivre :",
    "topics_all": "Tous les thèmes, nouveaux compris",
    "all_topics": "tous les thèmes (nouveaux compris)",
    "mode_usage": (
        "Usage : /mode instant | hourly | daily [HH:MM]\ninstant : les thèmes urgents aussitôt,"
        " le reste dans un résumé quotidien ; hourly ou daily : tout en résumés"
    ),
    "mode_set": "Mode : {mode}.",
    "mode_instant": "instantané",
    "mode_hourly": "toutes les heures",
    "mode_daily": "quotidien",
    "quiet_usage": "Usage : /quiet HH-HH (par exemple /quiet 22-07), ou /quiet off",
    "quiet_set": "Heures calmes : {hours}. Les messages attendent leur fin.",
    "quiet_off": "Heures calmes désactivées.",
    "quiet_none": "aucune",
    "lang_usage": "Usage : /lang {choices}",
    "lang_set": "Langue : {name}.",
    "format_usage": (
        "Usage : /format full | short\nfull : titre, premières lignes, autres médias et aperçu"
        " du lien ; short : titre, média et heure"
    ),
    "format_set": "Présentation des alertes : {format}.",
    "format_full": "complète",
    "format_short": "courte",
    # reading
    "digest_empty": "Rien de nouveau depuis votre dernier résumé.",
    "search_usage": (
        'Usage : /search MOTS\nTous les mots doivent figurer ; "expression exacte" ; OR'
        " entre des variantes (Haftar OR Dbeibah) ; -mot pour exclure (Libye -drone) ;"
        " wagn* pour toute fin de mot."
    ),
    "search_none": "Aucun résultat pour {query}.",
    "search_head": "Résultats pour {query} :",
    "status": (
        "Abonné : {active}\nThèmes : {topics}\nMode : {mode}\nPrésentation des alertes :"
        " {format}\nHeures calmes : {quiet}\nLangue : {language}\nMessages en attente :"
        " {pending}"
    ),
    "none": "aucun",
    "help": (
        "/start s'abonner\n/stop se désabonner\n/topics choisir les thèmes\n"
        "/mode instant|hourly|daily [HH:MM] fréquence : instant envoie aussitôt les thèmes"
        " urgents et le reste dans un résumé quotidien (et ce que beaucoup de médias"
        " reprennent d'un coup) ; hourly et daily envoient tout en résumés\n"
        "/quiet HH-HH heures calmes\n/lang ar|fr|en langue\n/format full|short présentation"
        " des alertes\n/digest un résumé maintenant\n/search MOTS chercher (OR, -mot,"
        ' "expression")\n/status vos réglages\n/whoami votre identifiant Telegram\n'
        "/help cette liste"
    ),
    "help_group": "\n\nDans un groupe, seuls ses administrateurs changent ses réglages.",
    "help_admin": (
        "\n\nOpérateurs :\n/sources santé des sources\n/stats chiffres du jour\n/pause NOM\n"
        "/resume NOM\n/reload recharger rules.yaml"
    ),
    "whoami": "Votre identifiant Telegram : {user_id}\nIdentifiant de ce chat : {chat_id}",
    "whoami_admin": "Vous êtes l'un des opérateurs de ce bot.",
    "whoami_how": (
        "Pour faire de quelqu'un un opérateur, le propriétaire du bot ajoute son identifiant à"
        " SAHELWATCH_ADMINS (ou à access.admins dans rules.yaml)."
    ),
    "unknown_command": "Je ne connais pas {command}. Envoyez /help pour les commandes.",
    "plain_text": (
        "J'envoie des alertes et des résumés d'actualité ; je ne lis pas les messages. Envoyez"
        " /help pour les commandes, ou /search MOTS pour chercher dans les archives."
    ),
    # operators
    "paused": "En pause : {name}. /resume {name} la relance.",
    "resumed": "Reprise : {name}. Elle est interrogée maintenant.",
    "already_paused": "{name} est déjà en pause. /resume {name} la relance.",
    "not_paused": "{name} n'est pas en pause : elle tourne.",
    "paused_by_failures": (
        "{name} n'a pas été mise en pause par un administrateur : elle a échoué plusieurs fois"
        " et sera réessayée d'elle-même."
    ),
    "unknown_source": "Aucune source nommée {name}.",
    "did_you_mean": "Vouliez-vous dire {names} ?",
    "reloaded": "Règles rechargées.",
    "reload_failed": "Règles NON rechargées (les anciennes restent actives) :\n{errors}",
    "name_usage": "Usage : /{command} NOM DE LA SOURCE",
    "no_sources": "Aucune source pour l'instant.",
    "stats_today": "Aujourd'hui ({day}, {tz})",
    "stats_stories": "Nouveaux articles : {n}",
    "stats_alerts": "Alertes par thème :",
    "stats_topic": "{topic} : {alerts} ({stories})",
    "stats_no_alerts": "Alertes : aucune pour l'instant",
    "stats_subscribers": "Abonnés : {total} ({modes})",
    "stats_no_subscribers": "Abonnés : aucun pour l'instant",
    "stats_sources": "Sources : {total}, {ok} en ordre",
    "stats_failing": "En échec : {names}",
    "stats_degraded": "Dégradées : {names}",
    "stats_paused": "En pause : {names}",
    "stats_pending": "Messages en attente d'envoi : {n}",
    "stats_sent": "Depuis le démarrage : {sent} envoyés, {failed} refusés, {throttled} fois freiné",
    # the command menu (setMyCommands)
    "menu_start": "s'abonner",
    "menu_stop": "se désabonner",
    "menu_topics": "choisir les thèmes",
    "menu_mode": "instantané, horaire ou quotidien",
    "menu_quiet": "heures calmes",
    "menu_lang": "langue",
    "menu_format": "présentation des alertes",
    "menu_digest": "un résumé maintenant",
    "menu_search": "chercher dans les archives",
    "menu_status": "vos réglages",
    "menu_whoami": "votre identifiant Telegram",
    "menu_help": "les commandes",
}
