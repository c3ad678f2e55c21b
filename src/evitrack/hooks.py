"""The pre-commit hook `init` sets up: in the git repository that holds the portfolio.

pre-commit reads `.pre-commit-config.yaml` at the root of the repository only. A
portfolio that is a subfolder of a repository (an assessor's caseload, a centre's
repository of learners) gets the hook in the repository's config, added once for every
portfolio in it: the hook is given the staged files and `evitrack check` checks the
portfolio holding each of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evitrack import yamlio
from evitrack.errors import UserError

CONFIG = ".pre-commit-config.yaml"
HOOK_ID = "evitrack-check"
# The files of any portfolio in the repository, at any depth.
FILES_RE = r"(^|/)(evitrack\.yaml|evidence/[^/]+\.ya?ml|files/.+)$"

LOCAL_REPO = f"""\
  - repo: local
    hooks:
      - id: {HOOK_ID}
        name: evitrack check
        entry: evitrack check
        language: system
        files: {FILES_RE}
        pass_filenames: true
        require_serial: true
"""

PRE_COMMIT = (
    "# Runs `evitrack check` before every commit, so a broken portfolio is never committed.\n"
    "# Set up once with:  pip install pre-commit && pre-commit install\n"
    "repos:\n" + LOCAL_REPO
)


def enclosing_repository(start: Path) -> Path | None:
    """The top folder of the git repository holding `start` (a `.git` folder or file).

    `start` need not exist yet: the search begins at its nearest existing folder.
    """
    here = Path(start).absolute()
    while not here.exists() and here != here.parent:
        here = here.parent
    here = here.resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None


@dataclass
class HookPlan:
    """Where the hook goes and what `apply` will write.

    action: "create" (a new config), "add" (merged into the config that is there) or
    "present" (the config has the hook already: nothing is written). `repository`: the
    git repository holding the portfolio, None outside git.
    """

    config: Path
    action: str
    repository: Path | None
    text: str | None = None
    before: str | None = None  # the config as read, to refuse writing over a newer edit


def plan(target: Path) -> HookPlan:
    """How to set up the hook for a new portfolio in `target`. Reads, never writes.

    Inside a git repository the config is the repository's; outside git, the portfolio's
    own (for when it becomes a repository). UserError when the config cannot be merged.
    """
    repo = enclosing_repository(target)
    config = (repo or Path(target).absolute()) / CONFIG
    if config.is_symlink():
        raise UserError(
            f"{config} is a symbolic link; evitrack never writes through one, so the "
            "pre-commit hook cannot be added; nothing was changed",
            "replace the link with the file it points to, then run init again",
        )
    if not config.exists():
        return HookPlan(config, "create", repo, PRE_COMMIT)
    try:
        before, data = yamlio.load(config)
    except yamlio.YamlProblem as e:
        where = f"{config}:{e.line}:{e.col}" if e.line else str(config)
        raise UserError(
            f"{where}: {e.message}; the pre-commit hook cannot be added to it, so nothing "
            "was changed",
            e.hint or "fix the file (`pre-commit validate-config` checks it), then run init",
        ) from None
    if data is None:  # empty, or comments only: keep them, add the hook below
        text = before.rstrip() + "\n" + PRE_COMMIT if before.strip() else PRE_COMMIT
        return HookPlan(config, "add", repo, text, before)
    if not isinstance(data, dict) or not isinstance(data.get("repos", []), list):
        raise UserError(
            f"{config} is not a pre-commit config (a mapping with a `repos:` list); the "
            "pre-commit hook cannot be added to it, so nothing was changed",
            "fix the file (`pre-commit validate-config` checks it), then run init again",
        )
    if _has_hook(data):
        return HookPlan(config, "present", repo)
    new_repo = _parse("repos:\n" + LOCAL_REPO)["repos"][0]
    repos = data.get("repos")
    local = next(
        (
            r
            for r in repos or []
            if isinstance(r, dict) and r.get("repo") == "local" and isinstance(r.get("hooks"), list)
        ),
        None,
    )
    if local is not None:
        local["hooks"].append(new_repo["hooks"][0])
    elif repos is None:
        data["repos"] = [new_repo]
    else:
        repos.append(new_repo)
    return HookPlan(config, "add", repo, yamlio.dump(data, before), before)


def apply(hook: HookPlan) -> None:
    """Write what `plan` decided, atomically; refuse if the config changed in between."""
    if hook.text is None:
        return
    if hook.action == "create":
        hook.config.parent.mkdir(parents=True, exist_ok=True)
        if not yamlio.atomic_create_text(hook.config, hook.text):
            raise UserError(f"{hook.config} appeared while writing; it was left as it is")
        return
    if hook.config.is_symlink() or yamlio.read_text(hook.config) != hook.before:
        raise UserError(
            f"{hook.config} changed while the portfolio was written; it was left as it is",
            "run `evitrack init` again in a new folder, or add the hook by hand",
        )
    yamlio.write_back(hook.config, hook.text)


def _has_hook(data: Any) -> bool:
    for r in data.get("repos") or []:
        hooks = r.get("hooks") if isinstance(r, dict) else None
        for h in hooks if isinstance(hooks, list) else []:
            if isinstance(h, dict) and h.get("id") == HOOK_ID:
                return True
    return False


def _parse(text: str) -> Any:
    return yamlio.parse(text)
