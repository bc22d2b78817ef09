"""The words of the interface in each subscriber language (ar, fr, en): headings and UI strings.

`text(lang, key, **values)` is the one lookup; an unknown language falls back to English. Values
are formatted in as given: callers pass already-escaped HTML where the result is HTML.
"""

from __future__ import annotations

LANGS = ("en", "fr", "ar")

_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "alert": "Alert",
        "digest": "Digest",
        "stories": "{n} stories",
        "stories_1": "1 story",
        "read": "Read",
        "also": "also:",
        "more_outlets": "+{n} more",
        "surge": "Widely reported",
        "continued": "continued",
        "welcome": "Subscribed. Topics: {topics}.\nMode: {mode}. Send /help for the commands.",
        "welcome_back": "Welcome back: your subscription is active again.",
        "stopped": "Unsubscribed. Send /start to subscribe again.",
        "not_subscribed": "This chat is not subscribed. Send /start first.",
        "not_allowed": "Sorry, this bot is private. Ask its operator for access.",
        "admin_only": "Sorry, that command is for the bot's operators.",
        "topics_pick": "Tap a topic to follow or unfollow it:",
        "mode_usage": "Usage: /mode instant | hourly | daily [HH:MM]",
        "mode_set": "Mode: {mode}.",
        "quiet_usage": "Usage: /quiet HH-HH (for example /quiet 22-07), or /quiet off",
        "quiet_set": "Quiet hours: {start}:00-{end}:00 ({tz}). Messages wait until they end.",
        "quiet_off": "Quiet hours off.",
        "lang_usage": "Usage: /lang ar | fr | en",
        "lang_set": "Language: English.",
        "digest_empty": "Nothing new since your last digest.",
        "digest_queued": "Your digest is on its way.",
        "search_usage": "Usage: /search WORDS",
        "search_none": "Nothing found for {query}.",
        "search_head": "Results for {query}:",
        "status": (
            "Subscribed: {active}\nTopics: {topics}\nMode: {mode}\nQuiet hours: {quiet}\n"
            "Language: {language}\nQueued messages: {pending}"
        ),
        "none": "none",
        "all_topics": "all topics",
        "help": (
            "/start subscribe\n/stop unsubscribe\n/topics choose topics\n"
            "/mode instant|hourly|daily [HH:MM] how often: instant pushes urgent topics at once"
            " and sends the rest in a daily digest (and stories many outlets carry at once);"
            " hourly and daily send everything in digests\n/quiet HH-HH quiet hours\n"
            "/lang ar|fr|en language\n/digest a digest now\n/search WORDS search the archive\n"
            "/status your settings\n/help this list"
        ),
        "help_admin": (
            "\n\nOperators:\n/sources source health\n/stats figures\n/pause NAME\n/resume NAME\n"
            "/reload reload rules.yaml"
        ),
        "paused": "Paused: {name}.",
        "resumed": "Resumed: {name}.",
        "unknown_source": "No source named {name}.",
        "reloaded": "Rules reloaded.",
        "reload_failed": "Rules NOT reloaded (the old rules keep running):\n{errors}",
        "name_usage": "Usage: /{command} SOURCE NAME",
        "no_sources": "No sources yet.",
    },
    "fr": {
        "alert": "Alerte",
        "digest": "Résumé",
        "stories": "{n} articles",
        "stories_1": "1 article",
        "read": "Lire",
        "also": "aussi :",
        "more_outlets": "+{n} autres",
        "surge": "Largement repris",
        "continued": "suite",
        "welcome": "Abonnement actif. Thèmes : {topics}.\nMode : {mode}. /help pour les commandes.",
        "welcome_back": "Re-bonjour : votre abonnement est de nouveau actif.",
        "stopped": "Désabonné. Envoyez /start pour vous réabonner.",
        "not_subscribed": "Ce chat n'est pas abonné. Envoyez d'abord /start.",
        "not_allowed": "Désolé, ce bot est privé. Demandez l'accès à son opérateur.",
        "admin_only": "Désolé, cette commande est réservée aux opérateurs du bot.",
        "topics_pick": "Touchez un thème pour le suivre ou ne plus le suivre :",
        "mode_usage": "Usage : /mode instant | hourly | daily [HH:MM]",
        "mode_set": "Mode : {mode}.",
        "quiet_usage": "Usage : /quiet HH-HH (par exemple /quiet 22-07), ou /quiet off",
        "quiet_set": "Heures calmes : {start}h-{end}h ({tz}). Les messages attendent la fin.",
        "quiet_off": "Heures calmes désactivées.",
        "lang_usage": "Usage : /lang ar | fr | en",
        "lang_set": "Langue : français.",
        "digest_empty": "Rien de nouveau depuis votre dernier résumé.",
        "digest_queued": "Votre résumé arrive.",
        "search_usage": "Usage : /search MOTS",
        "search_none": "Aucun résultat pour {query}.",
        "search_head": "Résultats pour {query} :",
        "status": (
            "Abonné : {active}\nThèmes : {topics}\nMode : {mode}\nHeures calmes : {quiet}\n"
            "Langue : {language}\nMessages en attente : {pending}"
        ),
        "none": "aucune",
        "all_topics": "tous les thèmes",
        "help": (
            "/start s'abonner\n/stop se désabonner\n/topics choisir les thèmes\n"
            "/mode instant|hourly|daily [HH:MM] fréquence : instant envoie aussitôt les thèmes"
            " urgents et le reste dans un résumé quotidien (et ce que beaucoup de médias"
            " reprennent d'un coup) ; hourly et daily envoient tout en résumés\n"
            "/quiet HH-HH heures calmes\n"
            "/lang ar|fr|en langue\n/digest un résumé maintenant\n/search MOTS chercher\n"
            "/status vos réglages\n/help cette liste"
        ),
        "help_admin": (
            "\n\nOpérateurs :\n/sources santé des sources\n/stats chiffres\n/pause NOM\n"
            "/resume NOM\n/reload recharger rules.yaml"
        ),
        "paused": "En pause : {name}.",
        "resumed": "Reprise : {name}.",
        "unknown_source": "Aucune source nommée {name}.",
        "reloaded": "Règles rechargées.",
        "reload_failed": "Règles NON rechargées (les anciennes restent actives) :\n{errors}",
        "name_usage": "Usage : /{command} NOM DE LA SOURCE",
        "no_sources": "Aucune source pour l'instant.",
    },
    "ar": {
        "alert": "تنبيه",
        "digest": "ملخص",
        "stories": "{n} أخبار",
        "stories_1": "خبر واحد",
        "read": "اقرأ",
        "also": "أيضاً:",
        "more_outlets": "+{n} آخرون",
        "surge": "تغطية واسعة",
        "continued": "تابع",
        "welcome": "تم الاشتراك. المواضيع: {topics}.\nالوضع: {mode}. أرسل /help لقائمة الأوامر.",
        "welcome_back": "أهلاً بعودتك: اشتراكك نشط من جديد.",
        "stopped": "تم إلغاء الاشتراك. أرسل /start للاشتراك من جديد.",
        "not_subscribed": "هذه المحادثة غير مشتركة. أرسل /start أولاً.",
        "not_allowed": "عذراً، هذا البوت خاص. اطلب الإذن من مشغّله.",
        "admin_only": "عذراً، هذا الأمر مخصص لمشغّلي البوت.",
        "topics_pick": "اضغط على موضوع لمتابعته أو إلغاء متابعته:",
        "mode_usage": "الاستخدام: /mode instant | hourly | daily [HH:MM]",
        "mode_set": "الوضع: {mode}.",
        "quiet_usage": "الاستخدام: /quiet HH-HH (مثلاً /quiet 22-07) أو /quiet off",
        "quiet_set": "ساعات الهدوء: {start}:00-{end}:00 ({tz}). تنتظر الرسائل حتى نهايتها.",
        "quiet_off": "تم إلغاء ساعات الهدوء.",
        "lang_usage": "الاستخدام: /lang ar | fr | en",
        "lang_set": "اللغة: العربية.",
        "digest_empty": "لا جديد منذ آخر ملخص.",
        "digest_queued": "ملخصك في الطريق.",
        "search_usage": "الاستخدام: /search كلمات",
        "search_none": "لا نتائج لـ {query}.",
        "search_head": "نتائج {query}:",
        "status": (
            "مشترك: {active}\nالمواضيع: {topics}\nالوضع: {mode}\nساعات الهدوء: {quiet}\n"
            "اللغة: {language}\nرسائل في الانتظار: {pending}"
        ),
        "none": "لا شيء",
        "all_topics": "كل المواضيع",
        "help": (
            "/start اشتراك\n/stop إلغاء الاشتراك\n/topics اختيار المواضيع\n"
            "/mode instant|hourly|daily [HH:MM] التواتر: instant يرسل المواضيع العاجلة فوراً والباقي"
            " في ملخص يومي (وما تتناقله وسائل إعلام كثيرة دفعة واحدة)؛ hourly وdaily يرسلان كل"
            " شيء في ملخصات\n/quiet HH-HH ساعات الهدوء\n"
            "/lang ar|fr|en اللغة\n/digest ملخص الآن\n/search كلمات بحث في الأرشيف\n"
            "/status إعداداتك\n/help هذه القائمة"
        ),
        "help_admin": (
            "\n\nالمشغّلون:\n/sources حالة المصادر\n/stats أرقام\n/pause اسم\n/resume اسم\n"
            "/reload إعادة تحميل rules.yaml"
        ),
        "paused": "متوقف: {name}.",
        "resumed": "استؤنف: {name}.",
        "unknown_source": "لا يوجد مصدر باسم {name}.",
        "reloaded": "أعيد تحميل القواعد.",
        "reload_failed": "لم يُعَد تحميل القواعد (القديمة مستمرة):\n{errors}",
        "name_usage": "الاستخدام: /{command} اسم المصدر",
        "no_sources": "لا مصادر بعد.",
    },
}


def lang_or_default(lang: str | None, default: str = "en") -> str:
    """`lang` when the interface speaks it, else `default` (else English)."""
    if lang in _STRINGS:
        return str(lang)
    return default if default in _STRINGS else "en"


def text(lang: str, key: str, **values: object) -> str:
    """The UI string `key` in `lang`, with `values` formatted in."""
    table = _STRINGS.get(lang, _STRINGS["en"])
    template = table.get(key) or _STRINGS["en"][key]
    return template.format(**values) if values else template
