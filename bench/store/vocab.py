"""The store bench's world: dates, the rules' entities and their spellings, happenings,
themes and headline templates."""

from __future__ import annotations

from datetime import UTC, datetime

END = datetime(2026, 8, 13, 12, 0, tzinfo=UTC)
POLL = 20  # reports a transaction in the batched run: a feed's worth
DAYS = 90
WINDOW_H = 48.0

ENTITIES = [
    # id, kind, en, fr, ar: ids and spellings of rules.yaml, so that its matcher finds them
    ("khalifa_haftar", "person", "Khalifa Haftar", "Khalifa Haftar", "خليفة حفتر"),
    ("saddam_haftar", "person", "Saddam Haftar", "Saddam Haftar", "صدام حفتر"),
    ("ibrahim_traore", "person", "Ibrahim Traore", "Ibrahim Traoré", "إبراهيم تراوري"),
    ("assimi_goita", "person", "Assimi Goita", "Assimi Goïta", "عاصمي غويتا"),
    (
        "abdourahamane_tiani",
        "person",
        "Abdourahamane Tiani",
        "Abdourahamane Tiani",
        "عبد الرحمن تياني",
    ),
    ("yevkurov", "person", "Yunus-Bek Yevkurov", "Iounous-Bek Ievkourov", "يونس بك يفكيروف"),
    ("lavrov", "person", "Sergei Lavrov", "Sergueï Lavrov", "سيرغي لافروف"),
    ("dbeibah", "person", "Abdul Hamid Dbeibah", "Abdelhamid Dbeibah", "عبد الحميد الدبيبة"),
    ("wagner", "organisation", "Wagner Group", "groupe Wagner", "مجموعة فاغنر"),
    ("africa_corps", "organisation", "Africa Corps", "Africa Corps", "الفيلق الأفريقي"),
    (
        "aes",
        "organisation",
        "Alliance of Sahel States",
        "Alliance des États du Sahel",
        "تحالف دول الساحل",
    ),
    ("ecowas", "organisation", "ECOWAS", "CEDEAO", "إيكواس"),
    (
        "lna",
        "organisation",
        "Libyan National Army",
        "Armée nationale libyenne",
        "الجيش الوطني الليبي",
    ),
    ("libya", "place", "Libya", "Libye", "ليبيا"),
    ("mali", "place", "Mali", "Mali", "مالي"),
    ("niger", "place", "Niger", "Niger", "النيجر"),
    ("burkina_faso", "place", "Burkina Faso", "Burkina Faso", "بوركينا فاسو"),
    ("ouagadougou", "place", "Ouagadougou", "Ouagadougou", "واغادوغو"),
    ("bamako", "place", "Bamako", "Bamako", "باماكو"),
    ("niamey", "place", "Niamey", "Niamey", "نيامي"),
    ("benghazi", "place", "Benghazi", "Benghazi", "بنغازي"),
    ("jufra", "place", "Jufra", "Joufra", "الجفرة"),
    ("russia", "place", "Russia", "Russie", "روسيا"),
    ("moscow", "place", "Moscow", "Moscou", "موسكو"),
    ("algeria", "place", "Algeria", "Algérie", "الجزائر"),
    ("egypt", "place", "Egypt", "Égypte", "مصر"),
    ("washington", "place", "Washington", "Washington", "واشنطن"),
    ("united_states", "place", "United States", "États-Unis", "الولايات المتحدة"),
]
WITHIN = {  # as in rules.yaml
    "ouagadougou": "burkina_faso",
    "bamako": "mali",
    "niamey": "niger",
    "benghazi": "libya",
    "jufra": "libya",
    "moscow": "russia",
    "washington": "united_states",
}
# Themes (rules.yaml) some wordings name too: (theme, language, a spelling of it in rules.yaml)
THEMES = [
    ("official_visit", "en", "visit"),
    ("official_visit", "fr", "visite"),
    ("official_visit", "ar", "زيارة"),
    ("troop_withdrawal", "en", "withdraw"),
    ("troop_withdrawal", "fr", "retrait"),
    ("troop_withdrawal", "ar", "انسحاب"),
    ("juntas", "en", "coup"),
    ("juntas", "en", "junta"),
    ("juntas", "fr", "putsch"),
    ("juntas", "fr", "coup d'état"),
    ("juntas", "fr", "junte"),
    ("juntas", "ar", "انقلاب"),
    ("juntas", "ar", "المجلس العسكري"),
    ("cooperation", "fr", "relations"),
    ("cooperation", "ar", "العلاقات"),
]
PEOPLE = [e for e in ENTITIES if e[1] == "person"]
ORGS = [e for e in ENTITIES if e[1] == "organisation"]
PLACES = [e for e in ENTITIES if e[1] == "place"]
KINDS = {e[0]: e[1] for e in ENTITIES}
LANG_COL = {"en": 2, "fr": 3, "ar": 4}
BACKGROUND = 0.65  # share of reports that name no entity of the rules
FOLLOW_UP = 0.33  # share of the others that report an event already reported ...
OPEN_FOR = 24 * 3600.0  # ... in the last day
SECOND_EVENT = 0.2  # share of reports that name another kind of happening in passing

# Kinds of happening (rules.yaml entities of kind "event"), each with two wordings a language,
# every one holding one of the event's spellings in rules.yaml and no other event's.
# {p} {p2} people, {o} an organisation, {pl} a place, {n} a number, {w} the event's own word.
EVENTS: dict[str, dict[str, tuple[str, str]]] = {
    "visit": {
        "en": ("{p} visits {pl} for talks with {p2} on {w}", "{p} arrives in {pl} to see {p2}"),
        "fr": ("{p} en visite à {pl} auprès de {p2}", "Visite de {p} à {pl} avec {p2} sur {w}"),
        "ar": ("{p} يلتقي {p2} في {pl} لبحث {w}", "زيارة {p} إلى {pl} ولقاء {p2}"),
    },
    "armed_attack": {
        "en": ("{n} killed in attack near {pl}, {o} blamed", "Ambush near {pl}: {n} dead"),
        "fr": ("{n} morts dans une attaque près de {pl}", "Embuscade près de {pl} : {n} tués"),
        "ar": ("مقتل {n} في هجوم قرب {pl}", "كمين قرب {pl} يسفر عن {n} قتلى"),
    },
    "deployment": {
        "en": ("{o} deploys {n} fighters to {pl}", "{o} reinforcements reach {pl} amid {w}"),
        "fr": ("{o} déploie {n} combattants à {pl}", "Des renforts de {o} à {pl} sur fond de {w}"),
        "ar": ("نشر قوات من {o} في {pl}", "تعزيزات من {o} إلى {pl} وسط {w}"),
    },
    "coup": {
        "en": ("Coup attempt foiled in {pl}, {p} says", "Soldiers stage coup in {pl} as {w}"),
        "fr": ("Tentative de coup d'État à {pl}, selon {p}", "Putsch à {pl} sur fond de {w}"),
        "ar": ("محاولة انقلاب في {pl} بحسب {p}", "انقلاب عسكري في {pl} وسط {w}"),
    },
    "withdrawal": {
        "en": ("{o} to withdraw from {pl} within {n} days", "{o} pulls out of {pl}, {p} says"),
        "fr": ("Retrait de {o} de {pl} sous {n} jours", "{o} quitte {pl}, selon {p}"),
        "ar": ("انسحاب {o} من {pl} خلال {n} يوما", "{o} تغادر {pl} بحسب {p}"),
    },
    "diplomatic_break": {
        "en": ("{pl} severs ties with {o} over {w}", "{pl} breaks off relations with {o}"),
        "fr": ("{pl} rompt ses relations avec {o}", "Rupture des relations entre {pl} et {o}"),
        "ar": ("{pl} تقطع علاقاتها مع {o}", "قطع العلاقات الدبلوماسية بين {pl} و{o}"),
    },
    "summit": {
        "en": ("{o} summit opens in {pl} with {p}", "{p} and {p2} at {o} summit in {pl}"),
        "fr": ("Sommet de {o} à {pl} avec {p}", "{p} et {p2} au sommet de {o} à {pl}"),
        "ar": ("قمة {o} في {pl} بمشاركة {p}", "انطلاق القمة في {pl} بحضور {p} و{p2}"),
    },
    "signing": {
        "en": ("{p} and {p2} signed a {w} accord in {pl}", "{o} signs {n}-year deal with {pl}"),
        "fr": ("{p} et {p2} ont signé un accord à {pl}", "Signature d'un accord entre {o} et {pl}"),
        "ar": ("توقيع اتفاق بين {p} و{p2} في {pl}", "{o} وقعت على اتفاق مع {pl}"),
    },
    "sanctions": {
        "en": ("{o} imposes sanctions on {pl} over {w}", "New sanctions on {p} as {pl} {w}"),
        "fr": ("La {o} impose des sanctions à {pl}", "Nouvelles sanctions contre {p} et {pl}"),
        "ar": ("{o} تفرض عقوبات على {pl}", "عقوبات جديدة على {p} في {pl}"),
    },
    "arrest": {
        "en": ("{n} arrested in {pl} after {w}", "{pl} police detain {n} linked to {o}"),
        "fr": ("{n} arrestations à {pl} après {w}", "{n} personnes interpellées à {pl}"),
        "ar": ("اعتقال {n} في {pl} بعد {w}", "توقيف {n} أشخاص في {pl}"),
    },
    "airlift": {
        "en": ("Cargo planes landed at {pl} from {o}", "{o} airlift to {pl}: {n} flights"),
        "fr": ("Des avions cargo ont atterri à {pl}", "Pont aérien de {o} vers {pl} : {n} vols"),
        "ar": ("هبوط طائرات شحن في {pl}", "جسر جوي من {o} إلى {pl}"),
    },
}
EVENT_WEIGHTS = {  # how often each kind is reported
    "visit": 5,
    "armed_attack": 5,
    "deployment": 2,
    "coup": 0.5,
    "withdrawal": 1.5,
    "diplomatic_break": 0.5,
    "summit": 1,
    "signing": 1.5,
    "sanctions": 1,
    "arrest": 1.5,
    "airlift": 0.5,
}
# The same kinds named in passing in a report's text (after its lead's first words).
IN_PASSING: dict[str, dict[str, str]] = {
    "visit": {"en": "after talks", "fr": "après une visite", "ar": "بعد زيارة"},
    "armed_attack": {"en": "after the attack", "fr": "après l'attaque", "ar": "بعد الهجوم"},
    "withdrawal": {"en": "after the withdrawal", "fr": "après le retrait", "ar": "بعد الانسحاب"},
    "sanctions": {"en": "under sanctions", "fr": "sous sanctions", "ar": "تحت العقوبات"},
}

TEMPLATES = {  # the former headlines, no event named: some reports on the actors are so
    "en": ["{pl} junta extends transition by {n} years", "{p} on {w} as {o} grows in {pl}"],
    "fr": ["La junte de {pl} prolonge la transition de {n} ans", "{p} et {o} à {pl} : {w}"],
    "ar": ["المجلس العسكري في {pl} يمدد المرحله الانتقاليه {n} سنوات", "{p} و{o} في {pl}"],
}
