"""The video-QA protocols, named by the scorer they follow: each is a rule that reads an answer
(``parsing/choices.py``) and a way to count (``QAConfig``). An answer no rule reads is
``parse_error``: counted wrong or left out as the reference does, never replaced by a guess."""

from __future__ import annotations

from videoeval.protocols.configs import QAConfig

TEMPCOMPASS = "llyx97/TempCompass @ e1b46316"
DISABLE_LLM = (
    " An answer the rules do not read is wrong, as the official script scores it with "
    "--disable_llm (its ChatGPT fallback is not run)."
)

# name, title, reference, description, config, headline
PROTOCOLS: tuple[tuple[str, str, str, str, QAConfig, tuple[str, ...]], ...] = (
    ("tempcompass-mc", "TempCompass multi-choice (official rules)",
     f"{TEMPCOMPASS} eval_multi-choice.py, utils/eval_utils.py",
     "The whole gold option line, a bare letter, or 'X.' / 'X)' at the start (case-sensitive); "
     "accuracy over all questions (micro) and per dimension." + DISABLE_LLM,
     QAConfig("tempcompass-mc"), ("accuracy", "rule_matched")),
    ("tempcompass-yn", "TempCompass yes/no (official rules)",
     f"{TEMPCOMPASS} eval_yes_no.py, utils/eval_utils.py",
     "The lower-cased answer starting with yes or no (so 'Nope' says no); micro accuracy and "
     "per dimension." + DISABLE_LLM,
     QAConfig("tempcompass-yn"), ("accuracy", "rule_matched")),
    ("tempcompass-cm", "TempCompass caption matching (official rules)",
     f"{TEMPCOMPASS} eval_caption_matching.py, utils/eval_utils.py",
     "An option line, sentence or label read from the answer (later rules win); micro accuracy "
     "and per dimension." + DISABLE_LLM,
     QAConfig("tempcompass-cm"), ("accuracy", "rule_matched")),
    ("mvbench", "MVBench check_ans (TVBench official)",
     "OpenGVLab/Ask-Anything @ 4dd8210b video_chat2/mvbench.ipynb check_ans; "
     "daniel-cores/tvbench @ c3543228 infer.ipynb",
     "'(' + the answer's first line against the gold '(x) option': the first words compared by "
     "substring either way, so an empty answer counts right (the reference's quirk); "
     "'Total Acc' = right / all questions (micro), and per task.",
     QAConfig("mvbench"), ("accuracy",)),
    ("tarsier-mc", "Tarsier's multiple-choice scorer (Tarsier2's MVBench / TVBench figures)",
     "bytedance/tarsier @ 63de87a7 evaluation/metrics/evaluate_qa_mc.py",
     "Parentheses deleted, the first character (a digit 0-5 stands for A-F); an answer that is "
     "not one upper-case letter is 'Failed' and leaves the denominator; OVERALL = right / "
     "valid answers (micro), and per task.",
     QAConfig("tarsier", unread="excluded"), ("accuracy", "answered")),
    ("tomato", "TOMATO (official rules, no guess)",
     "yale-nlp/TOMATO @ fe2025f4 src/parse_result.py, src/get_categorized_score.py",
     "One offered letter, 'X: option', or 'Answer is(X)'; micro accuracy overall, per reasoning "
     "type and per demonstration type. The reference sends the rest to gpt-4o-mini and then "
     "to an unseeded random letter: here they are parse_error and wrong, and "
     "accuracy_if_guessed gives what a random letter would add on average.",
     QAConfig("tomato", guess_figure=True), ("accuracy", "accuracy_if_guessed")),
    ("videohallucer", "VideoHallucer (official)",
     "patrick-tssn/VideoHallucer @ ae4c2f25 evaluations/evaluation_utils.py cal_score, "
     "evaluations/evaluation.py",
     "An answer is right when the gold word (yes / no) occurs in it as a whole word; per type: "
     "basic and hallucinated accuracy, and overall = pairs with both right; the final figures "
     "are unweighted means over the types.",
     QAConfig("videohallucer", overall="pairs-by-type"), ("overall", "basic", "hallucinated")),
)  # fmt: skip
