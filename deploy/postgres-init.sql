-- One Postgres for the stack: Airflow's metadata DB and MLflow's backend store.
CREATE USER mlflow WITH PASSWORD 'mlflow';
CREATE DATABASE mlflow OWNER mlflow;
