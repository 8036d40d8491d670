"""The video-QA protocols, named by the scorer they follow: each is a rule that reads an answer
(``parsing/choices.py``) and a way to count (``QAConfig``). An answer no rule reads is
``parse_error``: counted wrong or left out as the reference does, never replaced by a guess."""

from __future__ import annotations

from videoeval.protocols.configs import QAConfig

TEMPCOMPASS = "llyx97/TempCompass @ e1b46316"
LMMS_EVAL = "EvolvingLMMs-Lab/lmms-eval @ 75571cfe"
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
    ("tempcompass-mc-judged", "TempCompass multi-choice (official rules, then the judge)",
     f"{TEMPCOMPASS} eval_multi-choice.py, utils/eval_utils.py",
     "The official rules, then what they do not read goes to the judge (the script run "
     "without --disable_llm): Correct / Incorrect at the start of its reply, else 'Correct' "
     "without 'Incorrect' anywhere; a reply with neither is asked again, then counted wrong. "
     "The reference's judge is gpt-3.5-turbo-1106 with its own prompt: give its wording with "
     "--prompt-dir (qa_tempcompass_fallback_mc.txt, qa_judge_system.txt)." ,
     QAConfig("tempcompass-mc", fallback="tempcompass-fallback-mc", judge_max_tokens=128),
     ("accuracy", "rule_matched")),
    ("tempcompass-yn-judged", "TempCompass yes/no (official rules, then the judge)",
     f"{TEMPCOMPASS} eval_yes_no.py, utils/eval_utils.py",
     "As tempcompass-yn, then what the rules do not read goes to the judge, as "
     "tempcompass-mc-judged (qa_tempcompass_fallback_yn.txt).",
     QAConfig("tempcompass-yn", fallback="tempcompass-fallback-yn", judge_max_tokens=128),
     ("accuracy", "rule_matched")),
    ("tempcompass-cm-judged", "TempCompass caption matching (official rules, then the judge)",
     f"{TEMPCOMPASS} eval_caption_matching.py, utils/eval_utils.py",
     "As tempcompass-cm, then what the rules do not read goes to the judge, as "
     "tempcompass-mc-judged (qa_tempcompass_fallback_cm.txt).",
     QAConfig("tempcompass-cm", fallback="tempcompass-fallback-cm", judge_max_tokens=128),
     ("accuracy", "rule_matched")),
    ("lmms-eval-tempcompass-mc", "TempCompass multi-choice as lmms-eval scores it",
     f"{LMMS_EVAL} lmms_eval/tasks/tempcompass/utils.py",
     "The official rules on the answer as written (not stripped, '</s>' kept: a leading space "
     "sends it to the judge), the judge always on for what they do not read; only ratings of "
     "1 are summed.",
     QAConfig("lmms-eval-tempcompass-mc", fallback="tempcompass-fallback-mc",
              judge_max_tokens=128), ("accuracy", "rule_matched")),
    ("lmms-eval-tempcompass-yn", "TempCompass yes/no as lmms-eval scores it",
     f"{LMMS_EVAL} lmms_eval/tasks/tempcompass/utils.py",
     "As lmms-eval-tempcompass-mc, with the yes/no rule.",
     QAConfig("lmms-eval-tempcompass-yn", fallback="tempcompass-fallback-yn",
              judge_max_tokens=128), ("accuracy", "rule_matched")),
    ("lmms-eval-tempcompass-cm", "TempCompass caption matching as lmms-eval scores it",
     f"{LMMS_EVAL} lmms_eval/tasks/tempcompass/utils.py",
     "As lmms-eval-tempcompass-mc, with the caption-matching rule.",
     QAConfig("lmms-eval-tempcompass-cm", fallback="tempcompass-fallback-cm",
              judge_max_tokens=128), ("accuracy", "rule_matched")),
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
    ("vinoground", "Vinoground (official)",
     "Vinoground/Vinoground @ 1543a2a1 get_score_all.py",
     "The answer's first character, case-insensitive, equals the GT. Text score = pairs whose "
     "two text items are right, video score likewise, group score = pairs with all four right; "
     "per major and minor category.",
     QAConfig("vinoground", overall="text-video-group"), ("text", "video", "group")),
    ("videomme", "Video-MME (official)",
     "thanku-all/parse_answer @ afd52cfe eval_your_results.py (BradyFU/Video-MME @ 8889f313)",
     "Answer prefixes deleted, then the first capital A-D anywhere; an answer without one is "
     "unparsed and leaves the denominator ('answered'); micro accuracy, per duration, domain, "
     "sub-category and task type.",
     QAConfig("videomme", unread="excluded"), ("accuracy", "answered")),
    ("tarsier-videomme", "Video-MME as Tarsier scores it (Tarsier2's figure)",
     "bytedance/tarsier @ 63de87a7 evaluation/metrics/evaluate_video_mme.py",
     "Parentheses deleted, the first character (1-5 stand for B-F); a video with one invalid "
     "answer leaves the denominator with all its questions; micro accuracy.",
     QAConfig("tarsier-videomme", unread="drop-video"), ("accuracy", "answered")),
    ("longvideobench", "LongVideoBench (lmms-eval's parser, no guess)",
     "EvolvingLMMs-Lab/lmms-eval @ 75571cfe lmms_eval/tasks/longvideobench/utils.py (the "
     "benchmark's README sends users there)",
     "Answer prefixes deleted, then the first capital A-E anywhere; micro accuracy, per duration "
     "group and question category. The reference picks an unseeded random letter where there "
     "is none: here those answers are parse_error and wrong, and accuracy_if_guessed gives "
     "the expectation.",
     QAConfig("longvideobench", guess_figure=True), ("accuracy", "accuracy_if_guessed")),
    ("eventhallusion-yn", "EventHallusion yes/no (official)",
     "Stevetich/EventHallusion @ 7396e043 eval.py",
     "The lower-cased answer starting with yes or no; anything else is unmatched and wrong; "
     "per split (entire, interleave, misleading) and overall = right / all questions (micro).",
     QAConfig("eventhallusion"), ("accuracy", "rule_matched")),
    ("lmms-eval-tomato", "TOMATO as lmms-eval scores it",
     f"{LMMS_EVAL} lmms_eval/tasks/tomato (its MMMU-style parser; the GPT parser off)",
     "Every offered capital letter anywhere in the answer (inside words too), then letters "
     "between spaces, then option texts past 5 words; several: the last '(X)', else the first "
     "in letter order; none: 'A', counted as lmms-eval counts it and shown as parse_error.",
     QAConfig("lmms-eval-tomato"), ("accuracy", "rule_matched")),
    ("lmms-eval-tvbench", "TVBench as lmms-eval scores it",
     f"{LMMS_EVAL} lmms_eval/tasks/tvbench",
     "The first standalone capital letter of the upper-cased answer when offered (the article "
     "'a' reads A), a leading letter, or the one option whose text occurs; else wrong. "
     "lmms-eval prints the per-task figures only; the overall here is micro.",
     QAConfig("lmms-eval-tvbench"), ("accuracy", "rule_matched")),
    ("lmms-eval-mvbench", "MVBench as lmms-eval scores it",
     f"{LMMS_EVAL} lmms_eval/tasks/mvbench",
     "'X. text' at the start, else the first standalone letter a-e of the normalised answer "
     "('a man ...' reads A), else the whole answer against the gold option; an empty answer "
     "leaves the denominator. lmms-eval prints the 20 per-task figures only; the overall here "
     "is micro.",
     QAConfig("lmms-eval-mvbench", unread="excluded"), ("accuracy", "answered")),
    ("tempcompass-cg", "TempCompass caption generation (official, judge-graded)",
     f"{TEMPCOMPASS} eval_captioning.py, utils/eval_utils.py",
     "A judge answers the video's first multi-choice question of the same dimension from the "
     "model's caption alone; its answer is the reply's last line holding 'Answer'; right when "
     "its letter is the gold one and it names exactly one of A. B. C. D.; an empty reply is "
     "rated -1 and lowers the sum, as there. Micro accuracy and per dimension. The reference's "
     "judge is gpt-3.5-turbo-1106 at temperature 1.0, presence_penalty 1, 128 tokens, with its "
     "own prompt and system message: supply that wording with --prompt-dir "
     "(qa_tempcompass_cg.txt, qa_judge_system.txt) to reproduce it.",
     QAConfig("tempcompass-cg", judge="tempcompass-cg", judge_max_tokens=128,
              empty_judge_reply="minus-one"), ("accuracy", "rule_matched")),
    ("lmms-eval-tempcompass-cg", "TempCompass caption generation as lmms-eval scores it",
     f"{LMMS_EVAL} lmms_eval/tasks/tempcompass/utils.py",
     "The official reading of the judge's reply, but an empty reply counts 0 (only ratings of "
     "1 are summed); lmms-eval's prompt is indented and ends with another 'Answer:' line "
     "(supply it with --prompt-dir). Micro accuracy and per dimension.",
     QAConfig("tempcompass-cg", judge="tempcompass-cg", judge_max_tokens=128),
     ("accuracy", "rule_matched")),
    ("eventhallusion-desc", "EventHallusion description matching (official, judge-graded)",
     "Stevetich/EventHallusion @ 7396e043 gpt4o_judge.py, eval.py",
     "A judge compares each video's description with its true event (entire, misleading: "
     "event_info.caption; interleave: event_info.unexpected), one question per split; its "
     "reply, '*' deleted and lower-cased, starting with yes is right, with no wrong, anything "
     "else (or an empty description, or no reply) wrong. Per split and overall = right / all "
     "videos (micro). The reference's judge is GPT-4o with its own prompts: supply them with "
     "--prompt-dir (qa_eventhallusion_<split>.txt, qa_judge_system.txt).",
     QAConfig("eventhallusion-desc", judge="eventhallusion-desc"), ("accuracy", "rule_matched")),
)  # fmt: skip
