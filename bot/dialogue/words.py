"""The words the chat understands, typed or behind a button. A message is compared folded
(backend/core/text.py: fold_words: lower case, no diacritics, no punctuation), so "Xác nhận!",
"xac nhan" and "XÁC NHẬN" are the same word."""

from __future__ import annotations

import re

from backend.core.text import fold_words

CODE_RE = re.compile(r"\bPA-[0-9A-Z]{6,}\b", re.IGNORECASE)
COORD_RE = re.compile(r"^\s*(-?\d{1,2}\.\d+)\s*[,; ]\s*(-?\d{1,3}\.\d+)\s*$")
# A message that starts the way an address does (folded): a house number, or a place word.
HOUSE_NUMBER_RE = re.compile(r"^(so\s+(nha\s+)?)?\d+[a-z]?([/-]\d+[a-z]?)*\s+[a-z]")
PLACE_START_RE = re.compile(r"^(duong|hem|kiet|ngo|thon|buon|to dan pho|tdp|khu pho|phuong|p|xa|x|tt|thi tran)\s")
PHONE_RE = re.compile(r"^(\+?84|0)\d{8,10}$")

CANCEL = {"huy", "/huy", "huy bo", "cancel", "/cancel", "thoi"}
CONFIRM = {"xac nhan", "ok", "okay", "oke", "confirm", "gui", "gui di", "dong y", "yes", "co", "dung"}
YES = {"co", "dong y", "yes", "y", "ok", "okay", "dung", "vang", "u", "uh", "duoc", "xac nhan", "chinh xac",
       "phai", "co a", "dung roi", "ung ho", "mo lai"}
NO = {"khong", "ko", "k", "no", "n", "khong dung", "sai", "khong phai", "thoi", "khong can", "gui moi"}
SKIP = {"bo qua", "/skip", "skip", "xong", "done", "khong co", "khong co anh", "het", "tiep", "tiep tuc"}
HELP = {"giup", "/help", "help", "huong dan", "tro giup", "?", "menu"}
START = {"/start", "bat dau", "start"}
NEW_REPORT = {"/baocao", "bao cao", "phan anh", "gui phan anh", "phan anh moi", "report"}
TRACK = {"/tracuu", "tra cuu", "tra cuu phan anh", "track"}
MINE = {"phan anh cua toi", "/cuatoi", "my reports", "cua toi", "danh sach phan anh"}
CHANGE_CATEGORY = {"doi linh vuc", "change category", "doi", "sua linh vuc", "chon lai"}
# "Delete my data" and its confirmation (bot/dialogue/contact.py).
ERASE = {"xoa du lieu cua toi", "xoa du lieu", "xoa thong tin cua toi", "xoa du lieu ca nhan", "/xoadulieu",
         "delete my data"}
ERASE_YES = {"dong y", "co", "xoa", "xoa di", "yes", "ok", "xac nhan", "dong y xoa"}
ERASE_NO = {"khong", "ko", "k", "no", "thoi", "giu lai", "huy", "khong xoa"}
CONVERSATIONAL = {"greet", "thanks", "ask_help", "check_status", "affirm", "deny", "give_rating", "out_of_scope"}

# A button's payload -> the words it stands for (a button is the same as typing them).
BUTTON_WORDS = {"confirm": "xac nhan", "cancel": "huy", "change_category": "doi linh vuc", "yes": "co",
                "no": "khong", "skip": "bo qua", "done": "xong", "support": "ung ho", "new": "gui moi",
                "help": "giup", "report": "/baocao", "mine": "phan anh cua toi"}


def is_command(text: str) -> bool:
    """A message that is a command (never taken as the answer to a staff question)."""
    folded = fold_words(text)
    if folded.startswith("/") or any(folded in words for words in (CANCEL, HELP, START, MINE, NEW_REPORT, TRACK,
                                                                   ERASE)):
        return True
    return bool(CODE_RE.search(text)) and (len(folded.split()) <= 4 or folded.startswith("tra cuu"))
