"""A folder holding every file the documentation's commands name (small, made here in the
layouts the docs describe), and one local server that plays every model and judge they ask:
the policy answers by the kind of prompt, a judge answers an instance of the JSON schema it was
sent (echoing the statements it was asked about), over the OpenAI or the Gemini wire."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from tests.fake_servers import Received, Reply, gemini_reply, openai_reply
from tests.video.synth import write_video
from videoeval.parsing.literals import literal_eval

MODELS = [
    "m",
    "judge",
    "Qwen/Qwen3-VL-8B-Instruct",
    "TencentARC/TimeLens-8B",
    "gpt-4o-mini",
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "./checkpoints/my-qwen3-vl",
]
"""Every model name the pages give, listed by the server as real servers list theirs."""
QUOTED = re.compile(r'"([^"]+)"')
STATEMENTS = re.compile(r"Statements:\n(\[.*?\])\n", re.DOTALL)
NUMBERED = re.compile(r"^\d+\. \[", re.M)
CAPTION = "A man opens the door. He sits down."
EVENTS = "0 - 1 seconds, a man opens the door.\n1 - 2 seconds, he sits down."


def _schema_of(body: dict[str, Any]) -> dict[str, Any] | None:
    if "response_format" in body:
        return body["response_format"]["json_schema"]["schema"]
    return body.get("generationConfig", {}).get("responseJsonSchema")


def instance(schema: dict[str, Any], prompt: str) -> Any:
    """The smallest reasonable value of ``schema``; an array of objects with an ``event`` field
    holds one item per statement the prompt lists, an array of event checks one per numbered
    event."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return instance(next(s for s in schema["anyOf"] if s.get("type") != "null"), prompt)
    if kind == "object":
        return {k: instance(v, prompt) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        item = schema.get("items", {})
        props = item.get("properties", {})
        if "event" in props and (match := STATEMENTS.search(prompt)):
            return [{**instance(item, prompt), "event": e} for e in literal_eval(match.group(1))]
        if "span_ok" in props:
            return [instance(item, prompt) for _ in NUMBERED.findall(prompt)]
        if item.get("type") == "number":
            return [0.5] * max(1, schema.get("minItems", 1))
        if item.get("type") == "string":
            return ["a man opens the door"]
        return [instance(item, prompt) for _ in range(max(1, schema.get("minItems", 1)))]
    if kind == "string":
        return "seen on the frames"
    if kind == "integer":
        return max(schema.get("minimum", 8), min(schema.get("maximum", 8), 8))
    if kind == "number":
        return 0.5
    if kind == "boolean":
        return True
    return None


def everyone(received: Received, n: int) -> Reply:
    schema = _schema_of(received.body)
    prompt = received.prompt
    if schema is not None:
        text = json.dumps(instance(schema, prompt))
    elif "Video description:" in prompt:  # a text judge grading a caption (TempCompass-cg)
        text = "Reasoning: the description says so.\nAnswer: A. the first option"
    elif "True event:" in prompt or "Unexpected event:" in prompt:  # EventHallusion's judge
        text = "Yes, the event is described."
    else:
        assert received.images or received.videos, "a model asked without the video"
        if '"frame_evidence"' in prompt:  # an evidence-first prompt asks for its JSON
            text = json.dumps(
                {
                    "frame_evidence": [{"timestamps": [0.0], "observation": "a man"}],
                    "events": [
                        {"start": 0, "end": 1, "event": "a man opens the door"},
                        {"start": 1, "end": 2, "event": "he sits down"},
                    ],
                }
            )
        elif "one event per line" in prompt:
            text = EVENTS
        elif (match := QUOTED.search(prompt)) and "seconds" in prompt:
            text = "The event happens in 0 - 1 seconds." if "door" in match.group(1) else "1 - 2"
        elif "seconds" in prompt:
            text = EVENTS
        else:
            text = CAPTION
    return gemini_reply(text) if "generateContent" in received.path else openai_reply(text)


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _videos(folder: Path, ids: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for vid in ids:
        write_video(folder / f"{vid}.mp4", frames=50, fps=25)


def build(root: Path, base_url: str, suites_page: Path) -> None:
    """Every file the pages name, under the names they use."""
    first = root / "videos" / "charades"
    _videos(first, ["v0", "v1"])
    for name in ("activitynet", "qvhighlights", "yc2", "youcook2", "anet", "dream", "dream1k"):
        shutil.copytree(first, root / "videos" / name)
    for vid, idx in (("v0", "1"), ("v1", "2")):
        for name in ("dream", "dream1k"):
            shutil.copy(first / f"{vid}.mp4", root / "videos" / name / f"{idx}.mp4")
    shutil.copytree(first, root / "clips")
    queries = {"v0": ["a man opens the door", "he sits down"], "v1": ["the door opens"]}
    timelens = {vid: {"duration": 2.0, "queries": qs, "spans": [[0.0, 1.0]] * len(qs)}
                for vid, qs in queries.items()}  # fmt: skip
    for name in ("charades-timelens.json", "charades.json", "activitynet.json",
                 "qvhighlights.json"):  # fmt: skip
        (root / name).write_text(json.dumps(timelens))
    _jsonl(root / "timelens_results.jsonl", [
        {f"{vid}.mp4>>>{q}>>>[0.0, 1.0]": {"timestamps": [[0.0, 1.0]], "answers": "0 - 1"}}
        for vid, qs in queries.items() for q in qs])  # fmt: skip
    (root / "charades_sta_test.txt").write_text(
        "".join(f"{vid} 0.0 1.0##{q}\n" for vid, qs in queries.items() for q in qs)
    )
    (root / "fmt_result.json").write_text(json.dumps(
        {f"{vid}.mp4>>>{q}>>>[0.0, 1.0]": "From 0 to 1 seconds."
         for vid, qs in queries.items() for q in qs}))  # fmt: skip
    _jsonl(root / "highlight_val_release.jsonl", [
        {"qid": i, "query": q, "duration": 150, "vid": vid, "relevant_windows": [[0, 10]],
         "relevant_clip_ids": [0, 1, 2, 3, 4], "saliency_scores": [[2, 2, 2]] * 5}
        for i, (vid, q) in enumerate((v, q) for v, qs in queries.items() for q in qs)])  # fmt: skip
    _jsonl(root / "submission.jsonl", [
        {"qid": i, "vid": vid, "pred_relevant_windows": [[0, 10, 0.9], [20, 30, 0.5]]}
        for i, vid in enumerate(v for v, qs in queries.items() for _ in qs)])  # fmt: skip
    _jsonl(root / "DREAM-1k.jsonl", [
        {"messages": [{"role": "assistant", "content": [
            {"type": "text", "text": "", "reference": CAPTION}]}],
         "dataset": "DREAM/youtube", "idx": idx, "vid": idx,
         "extra_info": {"events": ["A man opens the door.", "He sits down."], "n_events": 2}}
        for idx in (1, 2)])  # fmt: skip
    for name in ("predictions.jsonl", "tarsier_predictions.jsonl", "my_model_predictions.jsonl"):
        _jsonl(root / name, [{"idx": idx, "prediction": CAPTION} for idx in (1, 2)])
    dense = {
        vid: {
            "duration": 2.0,
            "timestamps": [[0, 1], [1, 2]],
            "sentences": ["a man opens the door", "he sits down"],
        }
        for vid in ("v0", "v1")
    }
    for name in ("yc2_val.json", "val_1.json", "val_2.json"):
        (root / name).write_text(json.dumps(dense))
    (root / "results.json").write_text(
        json.dumps(
            {
                "results": {
                    vid: [{"timestamp": [0, 1], "sentence": "a man opens the door"}]
                    for vid in dense
                }
            }
        )
    )
    (root / "etbench_txt_v1.0_with_answers.json").write_text(json.dumps([
        {"task": "dvc", "source": "youcook2", "video": "v0.mp4", "idx": 0, "tgt": [[0, 10]],
         "g": ["crack eggs"], "a": "0 - 10 seconds, crack eggs."}]))  # fmt: skip
    _video_qa(root)
    # the suite page's own file, its servers this one (its checkpoint sweep needs weights)
    toml = re.search(r"```toml\n(.*?)```", suites_page.read_text(), re.S)
    assert toml, "docs/suites.md shows no suite file"
    text = toml.group(1).replace("http://localhost:8000/v1", base_url)
    text = text.replace("https://api.openai.com/v1", base_url)
    text = re.sub(r'\[\[models\]\]\nlabel = "mine".*?\n\n', "", text, flags=re.S)
    text = text.replace('"data/charades-timelens.json"', '"charades-timelens.json"')
    text = text.replace('"data/DREAM-1k.jsonl"', '"DREAM-1k.jsonl"')
    text = text.replace('"~/.cache/videoeval"', '"cache"').replace(
        "bootstrap = 1000", "bootstrap = 50"
    )
    (root / "my-suite.toml").write_text(text)


def _video_qa(root: Path) -> None:
    """The video-QA page's files: the real annotation files where they are beside the
    repository (a small file of the same layout for the run), answers written here."""
    from tests.conftest import SHARED_DATA

    qa = SHARED_DATA / "qa"
    if not qa.is_dir():
        return  # the page's test then fails on the missing files, naming them
    (root / "questions").mkdir()
    (root / "predictions").mkdir()
    compass = qa / "tempcompass"
    shutil.copy(compass / "questions_multi-choice.json", root / "questions" / "multi-choice.json")
    shutil.copy(compass / "meta_info.json", root / "questions" / "meta_info.json")
    shutil.copy(compass / "reference_video-llava" / "predictions_multi-choice.json",
                root / "predictions" / "multi-choice.json")  # fmt: skip
    small = {vid: {"action": [{"question": f"Is the man in {vid} running?", "answer": "yes"}]}
             for vid in ("v0", "v1")}  # fmt: skip
    (root / "questions" / "yes_no.json").write_text(json.dumps(small))
    shutil.copytree(root / "videos" / "charades", root / "videos" / "tempcompass")
    shutil.copy(qa / "tvbench" / "TVBench_tarsier2.jsonl", root / "TVBench.jsonl")
    _jsonl(root / "tvbench_answers.jsonl", [{"idx": i, "prediction": "(A)"} for i in range(50)])
    shutil.copytree(qa / "tomato", root / "tomato" / "data")
    _jsonl(root / "tomato_answers.jsonl", [{"sample_id": f"count/{i}", "prediction": "B"}
                                           for i in range(20)])  # fmt: skip
    (root / "videohallucer_datasets").mkdir()
    shutil.copy(qa / "videohallucer" / "object_relation.json", root / "videohallucer_datasets")
    _jsonl(root / "videohallucer_answers.jsonl", [
        {"sample_id": f"object_relation/{i}/{side}", "prediction": "yes"}
        for i in range(200) for side in ("basic", "hallucination")])  # fmt: skip
    captioning = json.loads((compass / "questions_captioning.json").read_text())
    first = dict(list(captioning.items())[:2])  # two videos: 10 judge calls, not 2004
    (root / "questions" / "captioning.json").write_text(json.dumps(first))
    (root / "predictions" / "captioning.json").write_text(json.dumps(
        {vid: {dim: [{"prediction": CAPTION} for _ in items] for dim, items in dims.items()}
         for vid, dims in first.items()}))  # fmt: skip
    (root / "eventhallusion").mkdir()
    (root / "eventhallusion" / "entire_questions.json").write_text(json.dumps([
        {"id": f"entire_{n}", "category": "sports",
         "event_info": {"caption": "a man opens the door"},
         "questions": [{"question": "Does he open the door?", "answer": "Yes."}]}
        for n in range(3)]))  # fmt: skip
    _jsonl(root / "descriptions.jsonl", [{"id": f"entire_{n}", "answer": CAPTION}
                                         for n in range(3)])  # fmt: skip
