"""The interface in Arabic: every UI string, by key (see delivery/i18n). Counted phrases have
the forms Arabic number agreement needs (one, two, 3-10, 11-99, hundreds)."""

STRINGS: dict[str, str] = {
    # alerts and digests
    "digest": "ملخص",
    "stories#zero": "لا أخبار",
    "stories#one": "خبر واحد",
    "stories#two": "خبران",
    "stories#few": "{n} أخبار",
    "stories#many": "{n} خبرًا",
    "stories#other": "{n} خبر",
    "alerts#zero": "لا تنبيهات",
    "alerts#one": "تنبيه واحد",
    "alerts#two": "تنبيهان",
    "alerts#few": "{n} تنبيهات",
    "alerts#many": "{n} تنبيهًا",
    "alerts#other": "{n} تنبيه",
    "also": "أيضاً:",
    "more_outlets": "+{n} أخرى",
    "surge": "تغطية واسعة",
    "continued": "تابع",
    "new_topics#one": "موضوع جديد: {topics}. أرسل /topics لمتابعته.",
    "new_topics#two": "موضوعان جديدان: {topics}. أرسل /topics لمتابعتهما.",
    "new_topics#few": "مواضيع جديدة: {topics}. أرسل /topics لمتابعتها.",
    "new_topics#many": "مواضيع جديدة: {topics}. أرسل /topics لمتابعتها.",
    "new_topics#other": "مواضيع جديدة: {topics}. أرسل /topics لمتابعتها.",
    # subscribing and settings
    "welcome": "تم الاشتراك. المواضيع: {topics}.\nالوضع: {mode}. أرسل /help لقائمة الأوامر.",
    "welcome_back": "أهلاً بعودتك: اشتراكك نشط من جديد.",
    "stopped": "تم إلغاء الاشتراك. أرسل /start للاشتراك من جديد.",
    "not_subscribed": "هذه المحادثة غير مشتركة. أرسل /start أولاً.",
    "not_allowed": "عذراً، هذا البوت خاص. اطلب الإذن من مشغّله.",
    "admin_only": "عذراً، هذا الأمر مخصص لمشغّلي البوت.",
    "group_admins_only": "عذراً، مشرفو المجموعة وحدهم يستطيعون تغيير إعداداتها.",
    "group_check_failed": "تعذّر التحقق مما إذا كنت مشرفاً في هذه المجموعة. حاول مجدداً بعد قليل.",
    "topics_pick": "اضغط على موضوع لمتابعته أو إلغاء متابعته:",
    "topics_all": "كل المواضيع، والجديدة منها أيضاً",
    "all_topics": "كل المواضيع (والجديدة أيضاً)",
    "mode_usage": (
        "الاستخدام: /mode instant | hourly | daily [HH:MM]\ninstant: المواضيع العاجلة فوراً"
        " والباقي في ملخص يومي؛ hourly أو daily: كل شيء في ملخصات"
    ),
    "mode_set": "الوضع: {mode}.",
    "mode_instant": "فوري",
    "mode_hourly": "كل ساعة",
    "mode_daily": "يومي",
    "quiet_usage": "الاستخدام: /quiet HH-HH (مثلاً /quiet 22-07) أو /quiet off",
    "quiet_set": "ساعات الهدوء: {hours}. تنتظر الرسائل حتى نهايتها.",
    "quiet_off": "تم إلغاء ساعات الهدوء.",
    "quiet_none": "لا شيء",
    "lang_usage": "الاستخدام: /lang {choices}",
    "lang_set": "اللغة: {name}.",
    "format_usage": (
        "الاستخدام: /format full | short\nfull: العنوان وأول الأسطر والوسائل الأخرى ومعاينة"
        " الرابط؛ short: العنوان والوسيلة والوقت"
    ),
    "format_set": "شكل التنبيهات: {format}.",
    "format_full": "كامل",
    "format_short": "مختصر",
    # reading
    "digest_empty": "لا جديد منذ آخر ملخص.",
    "search_usage": (
        'الاستخدام: /search كلمات\nيجب أن ترد كل الكلمات؛ "عبارة بعينها"؛ OR بين البدائل'
        " (حفتر OR الدبيبة)؛ -كلمة للاستبعاد (ليبيا -مسيرة)؛ wagn* لأي نهاية."
    ),
    "search_none": "لا نتائج لـ {query}.",
    "search_head": "نتائج {query}:",
    "status": (
        "مشترك: {active}\nالمواضيع: {topics}\nالوضع: {mode}\nشكل التنبيهات: {format}\n"
        "ساعات الهدوء: {quiet}\nاللغة: {language}\nرسائل في الانتظار: {pending}"
    ),
    "none": "لا شيء",
    "help": (
        "/start اشتراك\n/stop إلغاء الاشتراك\n/topics اختيار المواضيع\n"
        "/mode instant|hourly|daily [HH:MM] التواتر: instant يرسل المواضيع العاجلة فوراً والباقي"
        " في ملخص يومي (وما تتناقله وسائل إعلام كثيرة دفعة واحدة)؛ hourly وdaily يرسلان كل"
        " شيء في ملخصات\n/quiet HH-HH ساعات الهدوء\n/lang ar|fr|en اللغة\n"
        "/format full|short شكل التنبيهات\n/digest ملخص الآن\n"
        '/search كلمات بحث في الأرشيف (OR، -كلمة، "عبارة")\n/status إعداداتك\n'
        "/whoami معرّفك في تيليغرام\n/help هذه القائمة"
    ),
    "help_group": "\n\nفي المجموعة، مشرفوها وحدهم يغيّرون إعداداتها.",
    "help_admin": (
        "\n\nالمشغّلون:\n/sources حالة المصادر\n/stats أرقام اليوم\n/pause اسم\n/resume اسم\n"
        "/reload إعادة تحميل rules.yaml"
    ),
    "whoami": "معرّفك في تيليغرام: {user_id}\nمعرّف هذه المحادثة: {chat_id}",
    "whoami_admin": "أنت أحد مشغّلي هذا البوت.",
    "whoami_how": (
        "ليصبح شخص ما مشغّلاً، يضيف مالك البوت معرّفه إلى SAHELWATCH_ADMINS"
        " (أو access.admins في rules.yaml)."
    ),
    "unknown_command": "لا أعرف الأمر {command}. أرسل /help لقائمة الأوامر.",
    "plain_text": (
        "أرسل تنبيهات الأخبار وملخصاتها، ولا أقرأ الرسائل. أرسل /help لقائمة الأوامر، أو"
        " /search كلمات للبحث في الأرشيف."
    ),
    # operators
    "paused": "أوقف مؤقتاً: {name}. يعيد تشغيله /resume {name}.",
    "resumed": "استؤنف: {name}. يُستطلع الآن.",
    "already_paused": "{name} متوقف مؤقتاً بالفعل. يعيد تشغيله /resume {name}.",
    "not_paused": "{name} ليس متوقفاً: إنه يعمل.",
    "paused_by_failures": "لم يوقف مشغّلٌ {name}: فشل مرات متتالية وسيُعاد تجريبه تلقائياً.",
    "unknown_source": "لا يوجد مصدر باسم {name}.",
    "did_you_mean": "هل تقصد {names}؟",
    "reloaded": "أعيد تحميل القواعد.",
    "reload_failed": "لم يُعَد تحميل القواعد (القديمة مستمرة):\n{errors}",
    "name_usage": "الاستخدام: /{command} اسم المصدر",
    "no_sources": "لا مصادر بعد.",
    "stats_today": "اليوم ({day}، {tz})",
    "stats_stories": "أخبار جديدة: {n}",
    "stats_alerts": "التنبيهات حسب الموضوع:",
    "stats_topic": "{topic}: {alerts} ({stories})",
    "stats_no_alerts": "التنبيهات: لا شيء بعد",
    "stats_subscribers": "المشتركون: {total} ({modes})",
    "stats_no_subscribers": "المشتركون: لا أحد بعد",
    "stats_sources": "المصادر: {total}، منها {ok} سليمة",
    "stats_failing": "متعثرة: {names}",
    "stats_degraded": "منقوصة: {names}",
    "stats_paused": "متوقفة: {names}",
    "stats_pending": "رسائل تنتظر الإرسال: {n}",
    "stats_sent": "منذ التشغيل: أُرسلت {sent}، ورُفضت {failed}، وأُبطئ الإرسال {throttled} مرة",
    # the command menu (setMyCommands)
    "menu_start": "اشتراك",
    "menu_stop": "إلغاء الاشتراك",
    "menu_topics": "اختيار المواضيع",
    "menu_mode": "فوري أو كل ساعة أو يومي",
    "menu_quiet": "ساعات الهدوء",
    "menu_lang": "اللغة",
    "menu_format": "شكل التنبيهات",
    "menu_digest": "ملخص الآن",
    "menu_search": "بحث في الأرشيف",
    "menu_status": "إعداداتك",
    "menu_whoami": "معرّفك في تيليغرام",
    "menu_help": "قائمة الأوامر",
}
