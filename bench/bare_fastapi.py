"""The baseline of bench/scoring.py: a bare FastAPI endpoint around the fitted pipeline.

Each request puts its rows in a DataFrame and calls the trained model's scikit-learn pipeline
(`pipeline.predict` on `features.prepare`): what serving the model without Flowbench's compiled
path costs. Run: python bench/bare_fastapi.py PORT MODEL.joblib
"""

import sys

import joblib
import pandas as pd
import uvicorn
from fastapi import FastAPI, Request

model = joblib.load(sys.argv[2])
app = FastAPI()


@app.get("/health")
def health() -> dict:
    return {"status": "healthy"}


@app.post("/score")
async def score(request: Request) -> dict:
    rows = (await request.json())["Inputs"]["WebServiceInput0"]
    predicted = model.pipeline.predict(model.features.prepare(pd.DataFrame(rows)))
    return {
        "Results": {
            "WebServiceOutput0": [
                {**row, "Scored Labels": float(p)} for row, p in zip(rows, predicted, strict=True)
            ]
        }
    }


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
    )
