"""Checkpoints kept where every host reads them: web hosts and workers of one installation
each have their own data directory, and share RPD_AUDIT_CHECKPOINT_DIR (ADR 006, amended),
so a verification on one host sees the heads written on another."""

from ..subprocess_rpd import rpd


def test_a_verification_on_one_host_meets_the_checkpoints_written_on_another(
    tmp_path, migrated_sqlite
):
    migrated_sqlite(tmp_path / "rpd.sqlite3")  # the installation's one database
    database = f"sqlite:///{tmp_path / 'rpd.sqlite3'}"
    shared = tmp_path / "shared-checkpoints"

    def host(name, *argv, **env):
        settings = {
            "RPD_DATABASE_URL": database,
            "RPD_DATA_DIR": str(tmp_path / name),
            "RPD_AUDIT_CHECKPOINT_DIR": str(shared),
        }
        return rpd(tmp_path, *argv, **{**settings, **env})

    status, _out, err = host("web-1", "demo", "--pathway", "jersey")
    assert status == 0, err

    status, out, err = host("web-2", "audit", "verify")
    assert status == 0, err
    assert "checkpoint at event" in out
    assert (shared / "audit-checkpoints.log").is_file()
    assert not (tmp_path / "web-1" / "audit-checkpoints.log").exists()

    # Without the shared directory each host kept its own file, and found none written
    # by the other (issue 20).
    status, out, _err = host("web-2", "audit", "verify", RPD_AUDIT_CHECKPOINT_DIR=None)
    assert status == 0 and "no checkpoints in" in out
