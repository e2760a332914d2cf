"""Initial clinic-service schema.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(32)
TS = sa.DateTime(timezone=True)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "clinics",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", ID, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("clinic_id", ID, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "patients",
        sa.Column("id", ID, primary_key=True),
        sa.Column("clinic_id", ID, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("sex", sa.String(10), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", ID, nullable=False),
    )
    op.create_index("ix_patients_clinic", "patients", ["clinic_id"])
    op.create_table(
        "encounters",
        sa.Column("id", ID, primary_key=True),
        sa.Column("clinic_id", ID, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("patient_id", ID, sa.ForeignKey("patients.id"), nullable=True),
        sa.Column("clinician_id", ID, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("case", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_encounters_clinic", "encounters", ["clinic_id"])
    op.create_index("ix_encounters_patient", "encounters", ["patient_id"])
    op.create_table(
        "assessments",
        sa.Column("id", ID, primary_key=True),
        sa.Column("clinic_id", ID, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("encounter_id", ID, sa.ForeignKey("encounters.id"), nullable=False),
        sa.Column("patient_id", ID, sa.ForeignKey("patients.id"), nullable=True),
        sa.Column("knowledge_version", sa.String(64), nullable=False),
        sa.Column("software_version", sa.String(32), nullable=False),
        sa.Column("triage_level", sa.String(20), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", ID, nullable=False),
    )
    op.create_index("ix_assessments_clinic", "assessments", ["clinic_id"])
    op.create_index("ix_assessments_patient", "assessments", ["patient_id"])
    op.create_table(
        "care_plans",
        sa.Column("id", ID, primary_key=True),
        sa.Column("clinic_id", ID, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("assessment_id", ID, sa.ForeignKey("assessments.id"), nullable=False),
        sa.Column("patient_id", ID, sa.ForeignKey("patients.id"), nullable=True),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("edits", sa.JSON(), nullable=False),
        sa.Column("knowledge_version", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("created_by", ID, nullable=False),
    )
    op.create_index("ix_care_plans_clinic", "care_plans", ["clinic_id"])
    op.create_index("ix_care_plans_assessment", "care_plans", ["assessment_id"])
    op.create_table(
        "prom_results",
        sa.Column("id", ID, primary_key=True),
        sa.Column("clinic_id", ID, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("patient_id", ID, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("instrument", sa.String(40), nullable=False),
        sa.Column("responses", sa.JSON(), nullable=False),
        sa.Column("score", sa.JSON(), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("created_by", ID, nullable=False),
    )
    op.create_index("ix_prom_results_patient", "prom_results", ["patient_id"])
    op.create_table(
        "self_checks",
        sa.Column("id", ID, primary_key=True),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("case", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("knowledge_version", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("clinic_id", ID, nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", ID, nullable=True),
        sa.Column("patient_id", ID, nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_patient", "audit_events", ["patient_id"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", SEQ, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.execute(sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')"))


def downgrade() -> None:
    for index, table in [("ix_audit_patient", "audit_events"), ("ix_prom_results_patient", "prom_results"),
                         ("ix_care_plans_assessment", "care_plans"), ("ix_care_plans_clinic", "care_plans"),
                         ("ix_assessments_patient", "assessments"), ("ix_assessments_clinic", "assessments"),
                         ("ix_encounters_patient", "encounters"), ("ix_encounters_clinic", "encounters"),
                         ("ix_patients_clinic", "patients")]:
        op.drop_index(index, table_name=table)
    for table in ["audit_head", "audit_events", "self_checks", "prom_results", "care_plans", "assessments",
                  "encounters", "patients", "users", "clinics"]:
        op.drop_table(table)
