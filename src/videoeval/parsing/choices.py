"""How each official video-QA scorer reads an answer: multiple choice, yes/no, caption
matching. Each rule returns a :class:`Reading`: what it read, whether that is right, and the
rule that read it; ``correct is None`` means no rule read the answer (the protocol decides what
an unread answer counts as). Every quirk below is the reference's own; the spec of each is in
the docstring, with the script and commit it follows."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reading:
    parsed: str | None
    correct: bool | None
    rule: str
    fallback: bool = False
    """No rule read the answer and the reference put a fixed answer in its place (lmms-eval's
    "A" for TOMATO): counted as the reference counts it, and shown as parse_error."""


UNREAD = "no rule read it"


def _tempcompass_text(answer: str, strip: bool = True) -> str:
    """The official scripts delete ``</s>`` and strip; lmms-eval reads the answer as written (a
    leading space defeats every rule there)."""
    return answer.replace("</s>", "").strip() if strip else answer


def tempcompass_mc(answer: str, gold: str, strip: bool = True) -> Reading:
    """llyx97/TempCompass @ e1b46316 ``eval_multi-choice.py``: the whole gold option line; a bare
    letter A-D; ``X.`` or ``X)`` at the start (the text before the first ``.`` / ``)``).
    Case-sensitive; a letter the question does not offer is read (and wrong)."""
    text = _tempcompass_text(answer, strip)
    letter = gold[:1]
    if text == gold:
        return Reading(letter, True, "the whole option line")
    if text in ("A", "B", "C", "D"):
        return Reading(text, text == letter, "a bare letter")
    for mark in (".", ")"):
        if len(text) >= 2 and text[0] in "ABCD" and text[1] == mark:
            read = text.split(mark)[0]
            return Reading(read, read == letter, f"a letter and {mark!r}")
    return Reading(None, None, UNREAD)


def tempcompass_yn(answer: str, gold: str, strip: bool = True) -> Reading:
    """``eval_yes_no.py`` @ e1b46316: only the start of the lower-cased answer is read, so
    "Nope", "not sure" and "No, wait, yes." all say no."""
    text = _tempcompass_text(answer, strip).lower()
    for word in ("yes", "no"):
        if text.startswith(word):
            return Reading(word, word == gold, "starts with yes/no")
    return Reading(None, None, UNREAD)


def tempcompass_cm(answer: str, question: str, gold: str, strip: bool = True) -> Reading:
    """``eval_caption_matching.py`` @ e1b46316. The option lines are the question's lines after
    the first; later rules override earlier ones: the whole option line; an option's sentence
    (the text after its first ": ", or after the answer's first ") "); an option's label
    (``Caption A``, also with dots deleted) or its bare label (``A``). Right when what was read
    is the gold line, its label, its sentence or its bare label."""
    text = _tempcompass_text(answer, strip)
    lines = question.split("\n")[1:]
    read: str | None = None
    rule = UNREAD
    for line in lines:
        if line == text:
            read, rule = line, "the whole option line"
    after = text.split(") ")[1] if ") " in text else None
    for line in lines:
        sentence = _field(line, 1)
        if sentence is not None and sentence in (text, after):
            read, rule = sentence, "an option's sentence"
    undotted = text.replace(".", "")
    for line in lines:
        label = line.split(": ")[0]
        bare = label.split(" ")[-1]
        for name in (label, bare):
            if name in (text, undotted):
                read, rule = name, "an option's label"
    if read is None:
        return Reading(None, None, UNREAD)
    gold_label = gold.split(":")[0]
    right = read in (gold, gold_label, _field(gold, 1), gold_label.split(" ")[-1])
    return Reading(read, right, rule)


def _field(line: str, index: int) -> str | None:
    parts = line.split(": ")
    return parts[index] if len(parts) > index else None


def mvbench_check_ans(answer: str, gold: str) -> Reading:
    """OpenGVLab/Ask-Anything @ 4dd8210b ``mvbench.ipynb`` ``check_ans`` (TVBench's official
    scorer too, daniel-cores/tvbench @ c3543228). The stored answer is "(" + the generation's
    first line (the prompt pre-fills "Best option:("); lower-cased, the first space-separated
    token of answer and gold (``(x) text``) are compared by substring either way (dots removed
    from the answer's). So an empty generation, "(", is counted right: the reference's quirk."""
    stored = "(" + (answer.strip().split("\n")[0] if answer.strip() else "")
    said = stored.lower().split(" ")[0]
    wanted = gold.lower().split(" ")[0]
    right = said.replace(".", "") in wanted or wanted in said
    return Reading(said, right, "substring of the gold option's first word")


def tarsier_mc(answer: str, gold: str) -> Reading:
    """bytedance/tarsier @ 63de87a7 ``evaluation/metrics/evaluate_qa_mc.py``: every "(" and ")"
    deleted, stripped; the first character; a digit 0-5 stands for A-F; valid only as one
    upper-case letter (an invalid answer leaves the denominator)."""
    return _tarsier_first(answer, gold.replace("(", "").replace(")", "").strip()[:1], "012345")


_TOMATO_ANSWER_IS = re.compile(r"Answer is:?\(?([A-Fa-f])\)?")


def tomato_rules(answer: str, options: dict[str, str], gold: str) -> Reading:
    """yale-nlp/TOMATO @ fe2025f4 ``src/parse_result.py``, its rules before the LLM parser: one
    character whose upper case is an offered letter; the upper-cased answer equal to an
    ``X: option`` string (the option keeps its case, so this fires for numbers); the whole
    answer "Answer is", an optional colon and "(", a letter A-F in either case and an optional
    ")", with no space before the letter (so "Answer is B" is left to the LLM parser)."""
    text = answer.strip()
    if len(text) == 1 and text.upper() in options:
        return Reading(text.upper(), text.upper() == gold, "one letter")
    for letter, option in options.items():
        if text.upper() == f"{letter}: {option}":
            return Reading(letter, letter == gold, "'X: option'")
    match = _TOMATO_ANSWER_IS.fullmatch(text)
    if match:
        letter = match.group(1).upper()
        return Reading(letter, letter == gold, "'Answer is X'")
    return Reading(None, None, UNREAD)


def videohallucer_word(answer: str, gold: str) -> Reading:
    """patrick-tssn/VideoHallucer @ ae4c2f25 ``evaluation_utils.py`` ``cal_score``: right when the
    gold word occurs as a whole word anywhere in the answer, case-insensitive. Nothing else is
    read: an answer holding both "yes" and "no" is right whichever the gold."""
    found = re.search(rf"\b{re.escape(gold)}\b", answer, re.IGNORECASE) is not None
    return Reading(gold if found else None, found, "the gold word anywhere")


def vinoground_first(answer: str, gold: str) -> Reading:
    """Vinoground/Vinoground @ 1543a2a1 ``get_score_all.py``: the answer's first ``len(GT)``
    characters, lower-cased, equal the GT lower-cased; a leading space, "(" or "Answer:" makes
    it wrong, and so does an empty answer (the reference raises inside the pair's try)."""
    read = answer[: len(gold)]
    return Reading(read or None, read.lower() == gold.lower() and bool(read), "first character")


# parse_answer @ afd52cfe eval_your_results.py: two commas are missing in its list, so two pairs
# of prefixes are fused into strings that never occur; kept as the reference has them.
_VIDEOMME_PREFIXES = (
    "The best answer is", "The correct answer is", "The answer is", "The answer",
    "The best option isThe correct option is", "Best answer:Best option:", "Answer:", "Option:",
    "The correct answer", "The correct option",
)  # fmt: skip
# lmms-eval @ 75571cfe tasks/longvideobench/utils.py: the same list, correctly separated.
_LVB_PREFIXES = (
    "The best answer is", "The correct answer is", "The answer is", "The answer",
    "The best option is", "The correct option is", "Best answer:", "Best option:",
)  # fmt: skip


def _first_capital(answer: str, prefixes: tuple[str, ...], letters: str) -> str | None:
    text = answer.strip()
    for prefix in prefixes:
        text = text.replace(prefix, "")
    # the references also refuse "more than 10 words and no capital letter", which no capital
    # letter already refuses
    found = re.search(f"[{letters}]", text)
    return None if found is None else found.group(0)


def videomme_letter(answer: str, gold: str) -> Reading:
    """Video-MME's official extraction (thanku-all/parse_answer @ afd52cfe): the prefixes above
    deleted wherever they occur (case-sensitive), then the first capital A-D anywhere (so
    "Based on ..." reads B); none is unparsed and leaves the "answered" denominator."""
    letter = _first_capital(answer, _VIDEOMME_PREFIXES, "ABCD")
    return Reading(letter, None if letter is None else letter == gold, "first capital A-D")


def longvideobench_letter(answer: str, gold: str) -> Reading:
    """lmms-eval's LongVideoBench parser (the de-facto official one): prefixes deleted, then the
    first capital A-E anywhere. Where there is none the reference picks an unseeded random
    letter; here the answer is unread."""
    letter = _first_capital(answer, _LVB_PREFIXES, "ABCDE")
    return Reading(letter, None if letter is None else letter == gold, "first capital A-E")


def tarsier_videomme(answer: str, gold: str) -> Reading:
    """bytedance/tarsier @ 63de87a7 ``evaluate_video_mme.py``: parentheses deleted, the first
    character; a digit 1-5 stands for chr(d + 'A') (so "1" reads B, unlike its multiple-choice
    scorer); anything but one upper-case letter is invalid (and its whole video is dropped)."""
    return _tarsier_first(answer, gold, "12345")


def _tarsier_first(answer: str, gold: str, digits: str) -> Reading:
    """Both Tarsier scorers: parentheses deleted, stripped, the first character; a digit of
    ``digits`` stands for ``chr(d + 'A')`` (0 for A in one, 1 for B in the other); valid only as
    one upper-case letter."""
    first = answer.replace("(", "").replace(")", "").strip()[:1]
    if first and first in digits:
        first = chr(int(first) + ord("A"))
    if len(first) != 1 or not ("A" <= first <= "Z"):
        return Reading(None, None, UNREAD)
    return Reading(first, first == gold, "first letter")


def eventhallusion_yn(answer: str, gold: str) -> Reading:
    """Stevetich/EventHallusion @ 7396e043 ``eval.py``: the lower-cased answer starting with
    "yes" says "Yes.", with "no" says "No."; anything else is unmatched (and wrong)."""
    text = answer.lower()
    for word, said in (("yes", "Yes."), ("no", "No.")):
        if text.startswith(word):
            return Reading(said, said == gold, "starts with yes/no")
    return Reading(None, None, UNREAD)


_EDGE_PUNCTUATION = ",.!?;:'"


def lmms_eval_tomato(answer: str, options: dict[str, str], gold: str) -> Reading:
    """lmms-eval @ 75571cfe ``tasks/tomato``: its MMMU-style parser. Every offered capital letter
    anywhere in the answer (inside words too) is a candidate; else letters between spaces; else,
    past 5 words, the options whose text occurs; several: the one whose "(X)" occurs last, or
    the first in letter order; none: "A" (a fixed answer, shown as parse_error)."""
    text = " " + answer.strip().strip(_EDGE_PUNCTUATION) + " "
    letters = list(options)
    found = [c for c in letters if c in text]
    if not found:
        found = [c for c in letters if f" {c} " in text]
    if not found and len(text.split()) > 5:
        found = [c for c in letters if options[c].lower() in text.lower()]
    if not found:
        return Reading("A", gold == "A", "lmms-eval's fallback: A", fallback=True)
    if len(found) > 1:
        bracketed = [c for c in found if f"({c})" in text]
        if bracketed:
            last = max(bracketed, key=lambda c: text.rfind(f"({c})"))
            return Reading(last, last == gold, "the last '(X)' among several letters")
    return Reading(found[0], found[0] == gold, "an offered letter")


def _normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def lmms_eval_tvbench(answer: str, options: dict[str, str], gold: str) -> Reading:
    """lmms-eval @ 75571cfe ``tasks/tvbench``: the upper-cased answer's first standalone letter
    when it is an offered one (so the article "a" reads A); else a leading letter with an
    optional bracket, dot or colon; else the one option whose text occurs in the answer; else
    nothing (wrong)."""
    upper = answer.upper()
    first = re.search(r"\b([A-Z])\b", upper)
    if first and first.group(1) in options:
        return Reading(first.group(1), first.group(1) == gold, "the first standalone letter")
    lead = re.match(r"\s*[\(\[]?([A-Z])[\)\]\.:]?", upper)
    if lead and lead.group(1) in options:
        return Reading(lead.group(1), lead.group(1) == gold, "a leading letter")
    said = _normalised(answer)
    hits = [c for c, text in options.items() if _normalised(text) and _normalised(text) in said]
    if len(hits) == 1:
        return Reading(hits[0], hits[0] == gold, "one option's text")
    return Reading(None, None, UNREAD)


def lmms_eval_mvbench(answer: str, options: dict[str, str], gold: str) -> Reading:
    """lmms-eval @ 75571cfe ``tasks/mvbench``: "X. text" at the start gives X; else, punctuation
    normalised and lower-cased, the first standalone letter a-e (so "a man ..." reads A); else
    the whole text against the gold option's. An empty answer leaves the denominator."""
    if not answer.strip():
        return Reading(None, None, UNREAD)
    start = re.match(r"\s*([A-E])\.\s*\S", answer)
    if start:
        return Reading(start.group(1), start.group(1) == gold, "'X. text' at the start")
    text = _normalised(answer)
    letter = re.search(r"\b([a-e])\b", text)
    if letter:
        read = letter.group(1).upper()
        return Reading(read, read == gold, "the first standalone letter a-e")
    return Reading(text, text == _normalised(options.get(gold, "")), "the whole answer")


JUDGE_SILENT = "empty judge reply"
JUDGE_FALLBACK = "the judge (fallback)"


def tempcompass_cg(reply: str | None, gold: str) -> Reading:
    """llyx97/TempCompass @ e1b46316 ``eval_captioning.py``: the judge answered the video's first
    multi-choice question of the dimension from the model's caption alone. Its answer is the
    last reply line holding "Answer" (stripped, "Answer:" deleted), else the whole reply; right
    when the text before its first ". " equals the gold line's and "A.", "B.", "C.", "D." occur
    in it exactly once in all (substrings counted, case-sensitive: "DVD." holds a "D."). An
    empty reply is rated -1 there (it lowers the sum), which ``JUDGE_SILENT`` marks."""
    if not reply:
        return Reading(None, False, JUDGE_SILENT)
    answer = None
    for line in reply.split("\n"):
        line = line.strip()
        if "Answer" in line:
            answer = line.replace("Answer:", "").strip()
    if answer is None:
        answer = reply
    marks = sum(answer.count(prefix) for prefix in ("A.", "B.", "C.", "D."))
    right = answer.split(". ")[0] == gold.split(". ")[0] and marks == 1
    return Reading(answer, right, "the judge's Answer line" if answer != reply else "the reply")


def eventhallusion_desc(reply: str | None) -> Reading:
    """Stevetich/EventHallusion @ 7396e043 ``eval.py`` on ``gpt4o_judge.py``'s replies: "*"
    deleted, lower-cased; starting with "yes" the description matches the event, with "no" it
    does not; anything else, or no reply, is unmatched (and wrong)."""
    text = (reply or "").replace("*", "").lower()
    for word in ("yes", "no"):
        if text.startswith(word):
            return Reading(word, word == "yes", "the judge starts with yes/no")
    return Reading(None, False, JUDGE_SILENT if not reply else UNREAD)


def tempcompass_judged(reply: str) -> Reading:
    """``utils/eval_utils.py`` @ e1b46316 ``llm_output_to_rating``, the judge of an answer the
    rules did not read: starting with "Correct" right, with "Incorrect" wrong; else right when
    "Correct" occurs and "Incorrect" does not (case-sensitive: "incorrect" is neither). A reply
    with neither word is asked again there (``tempcompass_fallback_reply`` refuses it)."""
    if reply.startswith("Correct"):
        return Reading("Correct", True, JUDGE_FALLBACK)
    if reply.startswith("Incorrect"):
        return Reading("Incorrect", False, JUDGE_FALLBACK)
    right = "Correct" in reply and "Incorrect" not in reply
    return Reading("Correct" if right else "Incorrect", right, JUDGE_FALLBACK)
