"""The MLOps loop: a model registry (MLflow), data checks and drift, validated promotion,
rollback and retraining. Heavy libraries (mlflow, evidently, pandas, scikit-learn) are imported
inside functions only."""
