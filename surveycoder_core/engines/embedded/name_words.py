"""The word lists of generated code names (``naming``, ``theme_naming``): fillers, evaluative words,
people's names and titles, descriptors, verb forms and roles. Used for names only; coding still sees
every word.
"""

from __future__ import annotations

# sklearn tokenises "don't" as "don"; keep those fragments out of names too.
_CONTRACTION_BITS = frozenset(
    "didn don isn ve wasn doesn couldn wouldn ll re aren weren haven hasn won shouldn".split()
)

# Words that are frequent in a cluster without saying what it is about (narrative verbs, time words).
# Used for names only; coding still sees them.
NAME_STOP = frozenset(
    {"went", "go", "came", "come", "got", "said", "told", "asked", "took", "take", "gave", "give", "left",
     "tried", "ordered", "seemed", "night", "day", "days", "week", "weeks", "today", "yesterday", "year",
     "years", "ago", "later", "back", "thank", "thanks", "definitely", "highly", "absolutely", "totally",
     "sure", "able", "let", "keep", "kept", "felt", "feel", "actually", "little", "far", "better",
     "extremely", "especially", "completely", "pretty", "super", "quite", "truly", "certainly", "probably"}
)

# Evaluative and filler words: they say how people felt, not what a theme is about, so they never
# head a name (the stance is spelt out separately).
GENERIC = frozenset(
    {"good", "great", "fine", "better", "best", "brilliant", "happy", "excellent", "amazing", "lovely",
     "nice", "okay", "ok", "perfect", "wonderful", "fantastic", "awesome", "superb", "outstanding",
     "terrible", "awful", "bad", "poor", "worst", "horrible", "dreadful", "rubbish", "able", "thank",
     "thanks", "thankyou", "week", "weeks", "month", "months", "year", "years", "day", "days", "time",
     "times", "hour", "hours", "minutes", "really", "lot", "lots", "thing", "things", "everything",
     "nothing", "anything", "something", "way", "overall", "just", "like", "liked", "well", "much",
     "many", "always", "never", "also", "still", "yes", "no", "very", "positive", "negative", "love",
     "loved", "enjoy", "enjoyed", "recommend", "recommended", "pleased", "satisfied", "glad",
     "impressed", "experience", "whole", "bit", "little", "comment", "comments", "improve",
     "improved", "improvement", "possible", "having", "make", "makes", "making", "new", "old",
     "big", "small", "sure", "right", "wrong", "real", "different", "current", "usually",
     "start", "finish", "end", "soon", "twice", "once", "thought", "think", "happened", "despite",
     "considering", "circumstances", "obviously", "maybe", "perhaps", "probably", "mostly", "simply",
     "eat", "eaten", "visit", "try", "tried", "helped", "feeling", "feel",
     "spot", "place", "thanked", "pleasantly", "surprised", "special", "favorite", "favourite",
     "amazingly", "incredibly", "consistently", "fab", "fabulous", "cool", "decent",
     "worth", "happen", "reason", "question", "questions", "problem", "problems", "issue", "issues",
     "anymore", "moment", "stuff", "kind", "sort", "type", "lady", "man", "woman", "guy", "gentleman",
     "mum", "dad", "family", "friend", "friends", "mr", "mrs", "ms", "miss", "sir", "people", "person"}
)
_CALENDAR = frozenset(
    {"january", "february", "march", "april", "june", "july", "august", "september", "october",
     "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
     "sunday", "weekend", "weekends", "morning", "evening", "afternoon", "tonight", "night", "nights"}
)
# Words that read better spelt out in a name.
_SPELL = {"dr": "doctor", "drs": "doctors", "docs": "doctors", "doc": "doctor", "appt": "appointment",
          "appts": "appointments", "info": "information"}
# A person's name never goes into a code name. Conservative: a common first name, or a capitalised
# word that mostly follows a title ("Dr Schofield") or a first name ("Louise Smith").
_TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "prof", "professor", "nurse", "sister", "cpn",
                     "doctor", "dr.", "consultant", "therapist", "worker", "psychiatrist", "matron"})
FIRST_NAMES = frozenset(
    """aaron abby abigail adam adrian aisha alan alex alexander alice alison amanda amber amy andrea
    andrew andy angela angus ann anna anne annie anthony ben beth bethany brian bridget carl carol
    caroline catherine charlie charlotte chloe chris christine claire clare colin craig daniel danny
    darren dave david debbie deborah debra denise derek diane donna dylan edward elaine eleanor elizabeth
    ellie emily emma eric fiona francesca gail gareth gary gemma george gillian graham hannah harry
    heather helen holly ian jack jackie james jamie jane janet jason jayne jen jenny jennifer jess
    jessica jill jo joanne joe john jon jonathan julie karen kate katie kathryn kelly kerry kevin kim
    kirsty laura lauren leanne lee linda lisa liz lorraine louise lucy lynn lynne mandy margaret maria
    marie martin mary matt matthew megan melanie michael michelle mike natalie natasha neil nicola
    nicole nick nigel oliver olivia pam paul paula peter phil philip rachel rebecca richard rob robert
    ruth ryan sally sam samantha sandra sarah scott sharon shaun sheila simon sophie stephanie stephen
    steve steven stuart susan suzanne tom tony tracey tracy vicky victoria wendy yvonne zoe""".split()
)
_DESCRIPTORS = frozenset(
    {"long", "fast", "slow", "quick", "quickly", "cheap", "expensive", "late", "busy", "noisy", "clean",
     "dirty", "cold", "hot", "quiet", "loud", "friendly", "helpful", "kind", "caring", "rude",
     "unhelpful", "polite", "professional", "efficient", "knowledgeable", "attentive", "confusing",
     "reliable", "unreliable", "fresh", "tasty", "bland", "delicious", "high", "low", "slowly", "easy",
     "difficult", "supportive", "compassionate", "respectful", "reasonable",
     "pricey", "overpriced", "affordable", "comfortable", "welcoming", "responsive", "clear", "prompt",
     "spicy", "sweet", "salty", "sour", "greasy", "oily", "crispy", "soggy", "authentic", "cozy", "cosy",
     "spacious", "crowded", "cramped", "warm", "tidy", "messy", "smelly", "safe", "unsafe", "available",
     "unavailable", "accessible", "convenient", "inconvenient", "flexible", "simple", "complicated",
     "hidden", "unclear", "accurate", "inaccurate", "faulty", "broken", "intermittent", "stable",
     "unstable", "fair", "unfair", "small", "large", "huge", "tiny", "short", "rushed", "thorough"}
)


# sklearn's stop list holds a few words that are survey topics ("bill", "system", "call").
_TOPIC_WORDS = frozenset({"bill", "system", "call", "fire", "interest", "detail", "amount", "top", "side",
                          "front", "part", "name", "found", "full", "people", "time", "times"})


# Stop words that may still end a phrase ("waiting times", "young people").
# Phrasal-verb particles end a phrase too: "looked after", "logged out", "cut off", "called back".
_PHRASE_ENDS = frozenset({"time", "times", "people", "after", "out", "off", "back", "up", "down", "over"})
_DETERMINERS = frozenset({"my", "the", "a", "an", "your", "our", "their", "his", "her"})
# Bare verbs that name a category badly ("Listen", "Try").
_VERBISH = frozenset({"listen", "talk", "try", "ask", "say", "tell", "explain", "speak", "understand", "return",
                      "open", "link", "track", "add", "check", "trying", "cope", "see", "seeing"})
# Irregular past participles ("given", "seen"), which the "-ed" test misses.
_PARTICIPLES = frozenset({"given", "taken", "seen", "done", "made", "shown", "told", "got", "gotten", "known",
                          "felt", "kept", "left", "brought", "bought", "sent", "spent", "found", "held", "paid",
                          "put", "said", "gone", "come", "become", "written", "spoken", "driven", "eaten"})
_ADJ_SUFFIXES = ("ful", "ous", "ive", "able", "ible", "ent", "ant", "ic", "est", "ier", "ed", "y")
# Roles people are named with ("Dr Smith", "nurse Jo"): "Praise for named doctors", never the name.
_ROLES = {"doctor": "doctors", "dr": "doctors", "nurse": "nurses", "cpn": "CPNs", "therapist": "therapists",
          "consultant": "consultants", "psychiatrist": "psychiatrists", "receptionist": "receptionists",
          "waiter": "waiters", "waitress": "waiting staff", "engineer": "engineers", "advisor": "advisors",
          "adviser": "advisers", "agent": "agents", "teacher": "teachers", "manager": "managers",
          "midwife": "midwives", "physio": "physios", "worker": "workers", "driver": "drivers"}
