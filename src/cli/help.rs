//! The text after each command's `--help` (and in its man page): how the
//! command ends (exit codes), an example or two, and the page of `docs/` that
//! tells the rest. Kept apart from the argument definitions so that those
//! read as a list.

/// The exit codes every command shares, for the top-level help.
pub const MAIN: &str = "\
Exit codes:
  0  all well
  1  the run finished and found problems (invalid notes, verification failures,
     missed obligations, SLA breaches with --strict)
  2  it could not run (bad arguments, unreadable opsbook.toml)

Examples:
  opsbook init my-project && cd my-project && opsbook check
  opsbook --now 2025-12-31T23:00 nightly     the example project's last night
  opsbook completions bash > ~/.local/share/bash-completion/completions/opsbook

Documentation: README.md and docs/ in the opsbook repository.";

pub const INIT: &str = "\
Exit codes: 0 the project was written; 2 nothing was written (the folder holds
a project already, or files a new one would replace).

Example:
  opsbook init my-project     settings, schedules, one note of every kind,
                              .gitignore and nightly CI jobs

Documentation: docs/ci.md (the nightly jobs it writes), README.md.";

pub const NEW: &str = "\
Exit codes: 0 the note (or backup set) was written and its path printed; 2 it
could not be (unknown kind, bad date, the file exists, the set name is taken).

Examples:
  opsbook new inspection                      today's daily inspection, its items
                                              filled from the logs and verifications
  opsbook new inspection --from-evidence --json   that evidence, as JSON
  opsbook new inspection --cycle quarterly --date 2025-03-28
  opsbook new incident
  opsbook new backup-set oa-db --path /srv/backup/oa-db --set-kind pgdump

Documentation: docs/reference.md (the fields of every kind of note).";

pub const CHECK: &str = "\
Exit codes: 0 no errors (warnings allowed); 1 errors found, every one listed
with file:line:col; 2 opsbook.toml cannot be read.

Examples:
  opsbook check
  opsbook check --quiet       errors only, for a pre-commit hook

Documentation: docs/reference.md, docs/ci.md (the pre-commit hook).";

pub const VERIFY: &str = "\
Exit codes: 0 every set verified (warnings such as `unlisted` allowed); 1 a
problem of error severity (missing, unreadable, digest_mismatch, changed,
truncated, corrupt, too_few_rows, restore_failed, stale, too_few); 2
verification could not run (bad arguments, unreadable opsbook.toml).

Examples:
  opsbook verify
  opsbook verify --set oa-db --full
  opsbook verify --sample 1/7 --json - | jq '.sets[] | {name, ok}'

Split across CI runners: every shard of a run gets the same --now; a shard
exits 0 once its result is written, and the merge gives the run's exit code.
  opsbook --now \"$CI_PIPELINE_CREATED_AT\" verify --shard 2/4 --json shard-2.json
  opsbook verify --merge shard-*.json --junit verify.xml

Documentation: docs/verify.md, docs/ci.md.";

pub const MANIFEST: &str = "\
Exit codes: 0 the manifest was printed; 1 some files could not be read (each is
listed; the others are printed); 2 DIR cannot be read.

Example:
  opsbook manifest /srv/backup/oa-db > /srv/backup/oa-db/B3SUMS
  cd /srv/backup/oa-db && b3sum --check B3SUMS

Documentation: docs/verify.md.";

pub const LOGS: &str = "\
Exit codes: 0 nothing recent needs a person; 1 alerts, malformed lines or
damaged files within [logs] recent; 2 the logs could not be read at all.

Examples:
  opsbook logs
  opsbook --now 2025-12-31T23:00 logs --json - | jq '.days[-1]'

Documentation: docs/logs.md.";

pub const BUILD: &str = "\
Exit codes: 0 the portal was written into site/; 1 notes with errors were left
out of it; 2 it could not be built (the previous site/ is kept whole).

Examples:
  opsbook build
  opsbook build --audience internal

Documentation: docs/portal.md.";

pub const NIGHTLY: &str = "\
Exit codes: 0 all well (SLA breaches are warnings without --strict); 1 some
stage found problems (the portal is still built and shows them); 2 a stage, or
the whole run, could not run.

Examples:
  opsbook nightly --json nightly.json --junit nightly.xml
  opsbook --now 2025-12-31T23:00 nightly     re-run a past night

Documentation: docs/ci.md (GitLab CI and GitHub Actions jobs).";

pub const SERVE: &str = "\
Exit codes: runs until Ctrl-C; 2 when the port cannot be opened.

Example:
  opsbook serve --port 8080    then open http://127.0.0.1:8080/

Documentation: docs/portal.md.";

pub const ARCHIVE: &str = "\
Exit codes: 0 written (a missing browser only leaves the PDF out, with a
warning); 1 written, but notes fail `opsbook check`; 2 could not run (no key,
a key inside the project, the archive exists already).
`archive verify`: 0 every file as signed; 1 a file changed, added or
removed, or a bad or unknown signature; 2 unreadable archive or signers.

Examples:
  opsbook archive --period 2025-11 --key ~/.ssh/opsbook_archive
  opsbook archive verify archives/opsbook-archive-2025-11.zip --allowed-signers allowed_signers
  opsbook archive countersign archives/opsbook-archive-2025-11.zip --key admin_key

Documentation: docs/archive.md.";

pub const COMPLETIONS: &str = "\
Exit code: 0.

Install:
  bash        opsbook completions bash > ~/.local/share/bash-completion/completions/opsbook
  zsh         opsbook completions zsh > ~/.zfunc/_opsbook
              (with `fpath+=~/.zfunc` before `compinit` in ~/.zshrc)
  fish        opsbook completions fish > ~/.config/fish/completions/opsbook.fish
  powershell  opsbook completions powershell >> $PROFILE";

pub const MAN: &str = "\
Exit codes: 0 the page(s) were written; 2 DIR cannot be written.

Examples:
  opsbook man | man -l -
  opsbook man --dir /usr/local/share/man/man1     one page per command";
