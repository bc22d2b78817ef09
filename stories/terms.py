"""The words of a report that story clustering compares within one language (pure): content
words of the normalised title and lead, stop words out, each cut to a light stem so that a
word's inflections meet (Arabic through `core.text.arabic_stem`; other scripts by keeping the
first STEM letters: ambassadeur/ambassadeurs, Нигер/Нигера/Нигере).

The stop words are the commonest function words of each language the monitor reads, written
after normalisation (no accents, ه for ة). A word of fewer than MIN_WORD letters and a number
are never terms: numbers are compared on their own (`stories.fingerprint.numbers`).
"""

from __future__ import annotations

from collections import Counter

from core.text import arabic_stem, is_arabic

STEM = 6  # letters kept of a Latin or Cyrillic word
MIN_WORD = 3

_STOP = {
    "en": """the and for that with from this have has had was were are been its their they them
    his her him she who which what when where while after before over under into onto about
    than then also said says say will would could should may might can not but all any some
    one two three four five more most other such only out off our your you per via new
    year years day days week month time last first next since during against between among
    upon within without whose there here these those being because according told""",
    "fr": """les des une un du de la le et en au aux pour par sur dans avec sans sous que qui
    quoi dont ou est sont ete etait etaient avait avaient ont avoir etre fait faire plus moins
    tres mais ses son sa leur leurs ce cet cette ces il ils elle elles nous vous on pas ne
    se selon apres avant depuis entre contre lors alors ainsi aussi deja encore tout tous
    toute toutes autre autres meme deux trois quatre annee annees jour jours semaine mois
    dit declare indique lundi mardi mercredi jeudi vendredi samedi dimanche""",
    "ar": """في من على الى إلى عن مع هذا هذه ذلك تلك التي الذي الذين اللذين ان أن إن كان كانت
    يكون تكون قد لقد وقد كما ما لا لم لن ثم او أو بين حتى عند منذ بعد قبل خلال حول ضد نحو
    اي أي كل بعض غير اذا إذا وفق وفقا حسب بحسب عبر دون فيه فيها منه منها عليه عليها اليه اليها
    له لها لهم هو هي هم نحن انه أنه انها أنها الى هناك اليوم امس أمس يوم ايام عام العام اعلن
    اعلنت قال قالت واضاف واضافت اضاف اضافت الاحد الاثنين الثلاثاء الاربعاء الخميس الجمعه السبت""",
    "ru": """и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по
    только ее мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже
    или ни быть был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они
    тут где есть надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе под
    будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем
    чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой хоть после
    над больше тот через эти нас про всего них какая много разве три эту моя впрочем хорошо
    свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между
    также заявил заявила сообщил сообщила сообщает году года лет понедельник вторник среду
    четверг пятницу субботу воскресенье""",
}
STOP_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(" ".join(words.split()).split()) for lang, words in _STOP.items()
}
_ALL_STOP = frozenset().union(*STOP_WORDS.values())


def stem(word: str) -> str:
    """The light stem of one normalised word."""
    if is_arabic(word):
        return arabic_stem(word)
    return word[:STEM]


def terms(norm: str, lang: str = "") -> Counter[str]:
    """The stems of the content words of already normalised text, counted. `lang` picks the
    stop words; unknown or empty, every language's are used."""
    stop = STOP_WORDS.get(lang, _ALL_STOP)
    out: Counter[str] = Counter()
    for word in norm.split():
        if len(word) < MIN_WORD or word in stop or word.isdigit():
            continue
        stemmed = stem(word)
        if stemmed not in stop:
            out[stemmed] += 1
    return out
