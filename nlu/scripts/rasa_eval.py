"""Train Rasa DIET on given splits and predict the test texts, inside the Rasa virtualenv.

Run by `phananh nlu evaluate --diet` (nlu/diet.py) with the Rasa venv's Python 3.10, never
imported by the project. One process for all splits, so TensorFlow is imported once.

    python rasa_eval.py JOB.json OUT.json

JOB.json: {"config": path, "splits": [{"name", "data": dir of Rasa YAML, "texts": [...]}, ...]}
OUT.json: {"splits": [{"name", "predictions": [[intent, confidence], ...], "train_seconds"}, ...]}
The intent is the best real intent (not the nlu_fallback marker), as the built-in scores count.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time


def main(job_path: str, out_path: str) -> None:
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    results = []
    for split in job["splits"]:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as out_dir:
            model = train_nlu(config=job["config"], nlu_data=split["data"], output=out_dir, fixed_model_name="eval")
            if not model:
                raise SystemExit(f"rasa training failed for split {split['name']}")
            trained = time.perf_counter() - started
            agent = Agent.load(model)
            predictions = []
            for text in split["texts"]:
                parsed = asyncio.run(agent.parse_message(text))
                ranking = [r for r in parsed.get("intent_ranking") or [parsed["intent"]] if r["name"] != "nlu_fallback"]
                top = ranking[0] if ranking else {"name": "nlu_fallback", "confidence": 0.0}
                predictions.append([top["name"], float(top["confidence"])])
        results.append({"name": split["name"], "predictions": predictions, "train_seconds": trained})
        print(f"rasa_eval: {split['name']} trained in {trained:.0f} s", file=sys.stderr, flush=True)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"splits": results}, f, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
