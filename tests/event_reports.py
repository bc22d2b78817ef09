"""Real-world-shaped reports of a handful of events in ar/fr/en/ru, as outlets publish them:
the shared bank of the story-clustering tests (tests/test_stories_events.py, test_recluster.py).

Each event is reported by several outlets in several languages; beside each stand decoys with
the same people and places doing something else (a visit days after a coup attempt, a
suspension then a dissolution, the AES leaving the ICC then meeting Lavrov, one Saturday in
eastern Libya). Texts are paraphrased from real coverage of those events.
"""

from __future__ import annotations

import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from core.items import Item

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def report(source: str, lang: str, at: timedelta, title: str, summary: str) -> Item:
    """One outlet's report, published `at` after T0."""
    url = f"https://{source.lower().replace(' ', '-')}.example/{zlib.crc32(title.encode()):08x}"
    return Item(source, url, url, title, summary=summary, lang=lang, published=T0 + at)


def at(item: Item, delta: timedelta) -> Item:
    """`item` published `delta` later."""
    assert item.published is not None
    return replace(item, published=item.published + delta)


# ── Burkina Faso: a coup attempt foiled, in four languages; days later, a visit ───────────────

COUP_EN = report(
    "Reuters", "en", 0 * HOUR,
    "Burkina Faso says it foiled coup attempt, officers arrested",
    "Burkina Faso's military government said on Monday it had foiled an attempted coup against"
    " Captain Ibrahim Traore planned for this week, and that several army officers had been"
    " arrested in Ouagadougou, the security minister said in a televised statement.",
)  # fmt: skip
COUP_EN_2 = report(
    "AP", "en", 2 * HOUR,
    "Burkina junta thwarts plot to overthrow Traore, minister says",
    "Authorities in Burkina Faso have thwarted a plot by soldiers to overthrow the country's"
    " military leader Ibrahim Traore, the security minister announced on state television on"
    " Monday, accusing the plotters of acting from abroad.",
)  # fmt: skip
COUP_FR = report(
    "RFI Afrique", "fr", 3 * HOUR,
    "Burkina Faso: le gouvernement affirme avoir déjoué une tentative de coup d'État",
    "Le ministre de la Sécurité a annoncé lundi soir à la télévision nationale qu'une tentative"
    " de coup d'État visant le capitaine Ibrahim Traoré avait été déjouée à Ouagadougou."
    " Plusieurs officiers ont été interpellés.",
)  # fmt: skip
COUP_AR = report(
    "Al Jazeera Arabic", "ar", 4 * HOUR,
    "بوركينا فاسو تعلن إحباط محاولة انقلاب ضد النقيب إبراهيم تراوري",
    "أعلنت حكومة بوركينا فاسو يوم الاثنين إحباط محاولة انقلابية كانت تستهدف رئيس المجلس"
    " العسكري النقيب إبراهيم تراوري، مشيرة إلى اعتقال عدد من الضباط في واغادوغو.",
)  # fmt: skip
COUP_FR_2 = report(
    "Le Monde Afrique", "fr", 5 * HOUR,
    "Au Burkina, la junte dit avoir mis en échec un projet de putsch contre Ibrahim Traoré",
    "Les autorités burkinabè ont annoncé lundi avoir neutralisé un projet de putsch qui visait"
    " le président de la transition, le capitaine Ibrahim Traoré. Des militaires ont été"
    " arrêtés à Ouagadougou, selon le ministre de la Sécurité.",
)  # fmt: skip
COUP_RU = report(
    "TASS", "ru", 6 * HOUR,
    "В Буркина-Фасо предотвратили попытку государственного переворота",
    "Власти Буркина-Фасо заявили в понедельник, что сорвали попытку госпереворота против"
    " капитана Ибрагима Траоре. В Уагадугу задержаны несколько офицеров, сообщил министр"
    " безопасности страны.",
)  # fmt: skip
VISIT_EN = report(
    "Africanews", "en", 30 * HOUR,
    "Burkina's Traore receives Russian delegation in Ouagadougou",
    "Burkina Faso's leader Captain Ibrahim Traore on Thursday received a Russian government"
    " delegation in Ouagadougou for talks on energy and security cooperation.",
)  # fmt: skip
VISIT_FR = report(
    "France 24", "fr", 31 * HOUR,
    "Le capitaine Traoré reçoit une délégation russe à Ouagadougou",
    "Le président de la transition du Burkina Faso, le capitaine Ibrahim Traoré, a reçu jeudi"
    " à Ouagadougou une délégation du gouvernement russe venue discuter de coopération"
    " énergétique.",
)  # fmt: skip

# ── Mali recalls its ambassador from Algeria, in four languages ────────────────────────────────

RECALL_EN = report(
    "Reuters", "en", 0 * HOUR,
    "Mali recalls its ambassador from Algeria after drone is shot down",
    "Mali said on Sunday it had recalled its ambassador from Algeria, a day after the Algerian"
    " army said it shot down a drone that had entered its airspace near the border town of"
    " Tinzaouaten.",
)  # fmt: skip
RECALL_EN_2 = report(
    "Al Jazeera English", "en", 3 * HOUR,
    "Algeria drone row: Bamako recalls its ambassador, cites 'hostile act'",
    "Mali's military government has ordered its envoy in Algiers home in protest at the"
    " downing of a Malian army drone, escalating a diplomatic dispute between the two"
    " neighbours, state television reported on Sunday.",
)  # fmt: skip
RECALL_AR = report(
    "France 24 Arabic", "ar", 2 * HOUR,
    "مالي تستدعي سفيرها لدى الجزائر بعد إسقاط طائرة مسيرة",
    "أعلنت الحكومة الانتقالية في مالي الأحد استدعاء سفيرها لدى الجزائر للتشاور، بعد إسقاط"
    " الجيش الجزائري طائرة مسيرة تابعة للجيش المالي قرب الحدود.",
)  # fmt: skip
RECALL_FR = report(
    "BBC Afrique", "fr", 3 * HOUR,
    "Le Mali rappelle son ambassadeur en Algérie après la destruction d'un drone",
    "Les autorités de transition maliennes ont annoncé dimanche le rappel de leur ambassadeur à"
    " Alger pour consultations, après que l'armée algérienne a abattu un drone malien près de"
    " la frontière.",
)  # fmt: skip
RECALL_RU = report(
    "RIA Novosti", "ru", 5 * HOUR,
    "Мали отозвала посла из Алжира после того, как был сбит беспилотник",
    "Власти Мали отозвали посла из Алжира после того, как алжирская армия сбила малийский"
    " беспилотник у границы, сообщило государственное телевидение.",
)  # fmt: skip

# ── Mali: political parties suspended, then dissolved ─────────────────────────────────────────

DISSOLVED_FR = report(
    "RFI Afrique", "fr", 0 * HOUR,
    "Mali: la junte dissout tous les partis politiques",
    "Le général Assimi Goïta a signé mardi un décret portant dissolution de tous les partis"
    " politiques et des organisations à caractère politique au Mali, a annoncé la télévision"
    " nationale.",
)  # fmt: skip
DISSOLVED_FR_2 = report(
    "Le Monde Afrique", "fr", 4 * HOUR,
    "Au Mali, les partis politiques rayés de la carte par décret présidentiel",
    "Par un décret lu à la télévision publique mardi soir, les autorités de transition"
    " maliennes ont prononcé la dissolution des partis politiques, quelques jours après avoir"
    " suspendu leurs activités.",
)  # fmt: skip
SUSPENDED_FR = report(
    "Jeune Afrique", "fr", 0 * HOUR,
    "Mali: les activités des partis politiques suspendues jusqu'à nouvel ordre",
    "Les autorités maliennes ont suspendu mercredi, jusqu'à nouvel ordre, les activités des"
    " partis politiques et des associations à caractère politique sur toute l'étendue du"
    " territoire, pour raison d'ordre public.",
)  # fmt: skip
SUSPENDED_FR_2 = report(
    "BBC Afrique", "fr", 2 * HOUR,
    "Le Mali suspend les activités de tous les partis politiques",
    "La junte au pouvoir au Mali a suspendu mercredi les activités des partis politiques,"
    " invoquant des raisons d'ordre public, après des manifestations à Bamako.",
)  # fmt: skip

# ── The AES states leave the ICC; two days later Lavrov meets their ministers ──────────────────

ICC_EN = report(
    "Reuters", "en", 0 * HOUR,
    "Mali, Burkina Faso and Niger to quit International Criminal Court",
    "The military governments of Mali, Burkina Faso and Niger said on Monday they would"
    " withdraw from the International Criminal Court, calling it an instrument of"
    " neo-colonial repression, in a joint statement of the Alliance of Sahel States.",
)  # fmt: skip
ICC_FR = report(
    "RFI Afrique", "fr", 2 * HOUR,
    "Le Mali, le Burkina Faso et le Niger annoncent leur retrait de la CPI",
    "Les trois pays de la Confédération des États du Sahel ont annoncé lundi leur retrait de la"
    " Cour pénale internationale, qu'ils accusent d'être un instrument de répression"
    " néocoloniale.",
)  # fmt: skip
LAVROV_EN = report(
    "TASS", "en", 40 * HOUR,
    "Lavrov meets foreign ministers of the Alliance of Sahel States",
    "Russian Foreign Minister Sergei Lavrov held talks on Wednesday with the foreign ministers"
    " of Mali, Burkina Faso and Niger on the sidelines of the United Nations General Assembly"
    " in New York.",
)  # fmt: skip
LAVROV_AR = report(
    "RT Arabic", "ar", 41 * HOUR,
    "لافروف يلتقي وزراء خارجية تحالف دول الساحل في نيويورك",
    "التقى وزير الخارجية الروسي سيرغي لافروف الأربعاء وزراء خارجية مالي وبوركينا فاسو والنيجر"
    " على هامش أعمال الجمعية العامة للأمم المتحدة في نيويورك.",
)  # fmt: skip

# ── Eastern Libya, one Saturday: cargo planes at al-Khadim, a warship at Tobruk, Yevkurov ──────

CARGO_AR = report(
    "Sky News Arabia", "ar", 0 * HOUR,
    "طائرات شحن روسية تهبط في قاعدة الخروبة شرق ليبيا",
    "هبطت عدة طائرات شحن عسكرية روسية السبت في قاعدة الخروبة الجوية شرق بنغازي، وفق بيانات"
    " تتبع الرحلات، ضمن جسر جوي جديد بين روسيا وشرق ليبيا.",
)  # fmt: skip
CARGO_EN = report(
    "Libya Review", "en", 1 * HOUR,
    "Russian cargo planes land at al-Khadim air base in eastern Libya",
    "Several Russian Ilyushin cargo planes landed on Saturday at the al-Khadim air base east of"
    " Benghazi, flight tracking data showed, in a new air bridge between Russia and eastern"
    " Libya.",
)  # fmt: skip
TOBRUK_FR = report(
    "RFI Afrique", "fr", 2 * HOUR,
    "Un navire de guerre russe accoste à Tobrouk, dans l'est de la Libye",
    "Une frégate de la marine russe a accosté samedi dans le port de Tobrouk, dans l'est de la"
    " Libye, a indiqué l'Armée nationale libyenne du maréchal Khalifa Haftar.",
)  # fmt: skip
TOBRUK_EN = report(
    "Libya Observer", "en", 3 * HOUR,
    "Russian warship docks at Tobruk port in eastern Libya",
    "A Russian Navy frigate docked on Saturday at the port of Tobruk in eastern Libya, the"
    " Libyan National Army said, in the latest port call by Russian warships to territory held"
    " by Khalifa Haftar.",
)  # fmt: skip
TOBRUK_AR = report(
    "Al Wasat", "ar", 4 * HOUR,
    "سفينة حربية روسية ترسو في ميناء طبرق شرق ليبيا",
    "رست سفينة حربية روسية السبت في ميناء طبرق شرق ليبيا، بحسب القيادة العامة للجيش الليبي، في"
    " زيارة جديدة للبحرية الروسية إلى المنطقة.",
)  # fmt: skip
# Yevkurov in Benghazi: an Arabic and a Russian report that share too little to be joined
# directly, then an English one that names all of it.
HAFTAR_AR = report(
    "Al Arabiya", "ar", 5 * HOUR,
    "المشير خليفة حفتر يستقبل وفدا عسكريا روسيا في بنغازي",
    "استقبل القائد العام للجيش الوطني الليبي المشير خليفة حفتر في مقر القيادة العامة بمدينة"
    " بنغازي وفدا عسكريا روسيا رفيع المستوى لبحث التعاون العسكري.",
)  # fmt: skip
YEVKUROV_RU = report(
    "RIA Novosti", "ru", 6 * HOUR,
    "Евкуров прибыл с визитом в Ливию",
    "Российская военная делегация во главе с заместителем министра обороны Юнус-Беком"
    " Евкуровым прибыла в Ливию для переговоров о военном сотрудничестве.",
)  # fmt: skip
YEVKUROV_EN = report(
    "Libya Herald", "en", 7 * HOUR,
    "Russia's deputy defence minister Yevkurov meets Haftar in Benghazi",
    "Russian deputy defence minister Yunus-Bek Yevkurov met eastern Libyan commander Khalifa"
    " Haftar in Benghazi on Tuesday for talks on military cooperation, the Libyan National Army"
    " said.",
)  # fmt: skip
