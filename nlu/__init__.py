"""Natural-language understanding for citizen reports.

One data set (`nlu/data/nlu/*.yml`, Rasa format) feeds two engines: the built-in scikit-learn
classifier (default, in process) and a Rasa 3 server (`NLU_BACKEND=rasa`). Both answer in Rasa's
parse shape. Public interface: `nlu.service`.

This module stays import-light: the CLI imports it on every start.
"""

from pathlib import Path

NLU_DIR = Path(__file__).resolve().parent
DATA_DIR = NLU_DIR / "data" / "nlu"
TEST_FILE = NLU_DIR / "tests" / "test_nlu.yml"
# Fresh sets (issue 16): written for evaluation only, never trained or tuned on, a third
# chat-style, each by three authors who never saw the training data, the other evaluation files
# or each other's parts. Once a set's errors are known to the team it retires into the training
# data (nlu/data/nlu/first_fresh_set.yml in round 5; second_ and third_fresh_set.yml in round 6).
FRESH4_FILE = NLU_DIR / "tests" / "fresh4.yml"  # round 6
FRESH_FILES = (FRESH4_FILE,)
# Written for tuning (issue 16, round 3): mostly chat-style; model choices are made on it and on
# the cross-validation, never on the fresh set. Not trained on.
DEV_FILE = NLU_DIR / "tests" / "dev.yml"
CONFIG_FILE = NLU_DIR / "config.yml"
# Vietnamese words for the diacritic restorer (nlu/restore.py; source and licence beside it).
LEXICON_FILE = NLU_DIR / "data" / "lexicon" / "viet22k.txt"

# Stable report category codes (shared/CONTRACT.md); the order is the display order.
CATEGORIES: tuple[str, ...] = (
    "encroachment",
    "illegal_ads",
    "street_vending",
    "unpermitted_construction",
    "wastewater",
    "littering",
    "other",
)

# Conversational intents: small talk must never be filed as a report category.
CONVERSATIONAL: tuple[str, ...] = (
    "greet",
    "thanks",
    "ask_help",
    "check_status",
    "affirm",
    "deny",
    "give_rating",
    "out_of_scope",
)

FALLBACK_INTENT = "nlu_fallback"
