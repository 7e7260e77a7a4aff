//! `opsbook new backup-set NAME --path DIR [--set-kind KIND]`: adds a
//! `[[backups]]` table to `opsbook.toml`.
//!
//! The table is appended as text, so the file keeps its comments and layout;
//! it carries every key of a set, the optional ones commented out with what
//! they do. The new text is parsed as settings before it is written (a name
//! already taken, or a file that would no longer load, writes nothing), and it
//! replaces the file atomically.

use super::toml_string;
use crate::commands::{Context, Exit, Fatal};
use crate::load::{Project, settings};

/// The kind name `opsbook new` takes for a backup set.
pub const BACKUP_SET: &str = "backup-set";

pub fn run(
    ctx: &Context,
    project: &Project,
    name: Option<&str>,
    path: Option<&str>,
    kind: Option<&str>,
) -> Result<Exit, Fatal> {
    let usage =
        "write `opsbook new backup-set NAME --path DIR [--set-kind files|tar|sqlite|pgdump|mysqldump]`";
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Fatal::Usage(format!("a backup set needs a name: {usage}")))?;
    let path = path.filter(|p| !p.trim().is_empty()).ok_or_else(|| {
        Fatal::Usage(format!(
            "a backup set needs the folder its backups are written to: {usage}"
        ))
    })?;
    let kind = kind.unwrap_or("files");
    if project.settings.backups.iter().any(|b| b.name == name) {
        return Err(Fatal::Usage(format!(
            "{} has a backup set named `{name}` already; nothing was written",
            settings::FILE_NAME
        )));
    }

    let file = project.root.join(settings::FILE_NAME);
    let old = std::fs::read_to_string(&file)
        .map_err(|e| Fatal::Other(anyhow::anyhow!("cannot read {}: {e}", settings::FILE_NAME)))?;
    let mut text = old.clone();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&table(name, path, kind));
    settings::parse(&text, settings::FILE_NAME).map_err(|diags| {
        let reasons: Vec<String> = diags.iter().map(ToString::to_string).collect();
        Fatal::Usage(format!(
            "the new backup set would make {} invalid; nothing was written:\n{}",
            settings::FILE_NAME,
            reasons.join("\n")
        ))
    })?;
    crate::state::write_atomic(&file, text.as_bytes())
        .map_err(|e| Fatal::Other(anyhow::anyhow!("cannot write {}: {e}", settings::FILE_NAME)))?;

    ctx.say(format!(
        "added backup set `{name}` to {}; `opsbook verify --set {name}` verifies it",
        settings::FILE_NAME
    ));
    let dir = project.root.join(path);
    if !dir.is_dir() {
        anstream::eprintln!(
            "warning: {} is not a folder here yet; verification reports the set as missing until it is",
            dir.display()
        );
    }
    Ok(Exit::Clean)
}

/// The `[[backups]]` table, every key present or commented out.
fn table(name: &str, path: &str, kind: &str) -> String {
    let (name, path) = (toml_string(name), toml_string(path));
    let sqlite = if kind == "sqlite" { "" } else { "# " };
    format!(
        r#"# 备份集（opsbook verify 校验）；各项含义见 docs/verify.md
[[backups]]
name = {name}
path = {path}                   # 相对路径相对于 opsbook.toml
kind = "{kind}"                 # files / tar / sqlite / pgdump / mysqldump：恢复测试的方式
# include = ["*.sql.zst"]       # 相对 path 的 glob；默认为全部文件
# manifest = "B3SUMS"           # 备份时写入的 b3sum 清单（opsbook manifest DIR）
max_age = "26h"                 # 最新文件须比此更新（每日备份）
# min_count = 7                 # 至少这么多个文件
# retain = "30d"                # 已记录且比此更新的文件不得消失
# sample = "1/7"                # 每次校验约 1/7 的字节，7 次轮完
{sqlite}min_rows = {{ documents = 1 }}   # sqlite：各表至少的行数
# restore_command = "..."       # 外部恢复测试命令，见 docs/verify.md
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_loads_for_every_kind() {
        for kind in ["files", "tar", "sqlite", "pgdump", "mysqldump"] {
            let text = table("oa-db", "/srv/backup/oa \"db\"", kind);
            let s =
                settings::parse(&text, "opsbook.toml").unwrap_or_else(|d| panic!("{kind}: {d:?}\n{text}"));
            let set = &s.backups[0];
            assert_eq!(
                (set.name.as_str(), set.path.to_str()),
                ("oa-db", Some("/srv/backup/oa \"db\""))
            );
            assert_eq!(set.min_rows.is_empty(), kind != "sqlite", "{kind}");
        }
    }
}
