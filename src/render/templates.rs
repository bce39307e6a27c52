//! The template environment: minijinja templates embedded in the binary, each of which an owner
//! can override with a file of the same name under `DATA/theme/templates/`. Themes also fill the
//! named hook partials (`hooks/head.html`, `hooks/footer.html`, `hooks/post.html`), which are
//! empty by default, to add to a page without copying a whole template.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use minijinja::Environment;
use rust_embed::RustEmbed;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

pub struct Templates {
    env: Environment<'static>,
}

/// A static file ready to serve: its bytes and a short content hash for cache busting.
pub struct StaticFile {
    pub bytes: Vec<u8>,
    pub hash: String,
    pub mime: &'static str,
}

impl Templates {
    /// Builds the environment. Templates are read lazily through the loader and then kept, so an
    /// override added while the server runs is picked up at the next start.
    pub fn new(theme_dir: &Path, static_files: &HashMap<String, StaticFile>) -> Templates {
        let mut env = Environment::new();
        let overrides = theme_dir.join("templates");
        env.set_loader(move |name| load_template(&overrides, name));
        // minijinja's own escaping also encodes `/`, which turns every URL in an attribute
        // into `http:&#x2f;&#x2f;…`: valid, but noisy. Strings get the five characters that
        // matter escaped; everything else keeps the default.
        env.set_formatter(|out, state, value| {
            if *state.auto_escape() == minijinja::AutoEscape::Html
                && !value.is_safe()
                && let Some(text) = value.as_str()
            {
                return out.write_str(&super::escape_html(text)).map_err(|e| {
                    minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
                });
            }
            minijinja::escape_formatter(out, state, value)
        });
        let versions: HashMap<String, String> = static_files
            .iter()
            .map(|(name, file)| (name.clone(), file.hash.clone()))
            .collect();
        env.add_function("static_url", move |name: String| -> String {
            match versions.get(&name) {
                Some(hash) => format!("/static/{name}?v={hash}"),
                None => format!("/static/{name}"),
            }
        });
        Templates { env }
    }

    pub fn render(&self, name: &str, ctx: impl Serialize) -> Result<String> {
        let template = self
            .env
            .get_template(name)
            .with_context(|| format!("render: load template {name}"))?;
        template
            .render(minijinja::Value::from(minijinja::value::Serde(&ctx)))
            .with_context(|| format!("render: template {name}"))
    }
}

fn load_template(overrides: &Path, name: &str) -> Result<Option<String>, minijinja::Error> {
    // Template names come from our own templates, but refuse anything that could leave the theme
    // folder all the same.
    if name.split('/').any(|part| part == ".." || part.is_empty()) {
        return Ok(None);
    }
    let local = overrides.join(name);
    if let Ok(text) = std::fs::read_to_string(&local) {
        return Ok(Some(text));
    }
    Ok(Assets::get(&format!("templates/{name}"))
        .map(|file| String::from_utf8_lossy(&file.data).into_owned()))
}

/// Loads every static file, embedded first and then the theme's `static/` folder over it.
pub fn static_files(theme_dir: &Path) -> HashMap<String, StaticFile> {
    let mut files = HashMap::new();
    for name in Assets::iter() {
        if let Some(rest) = name.strip_prefix("static/")
            && let Some(file) = Assets::get(&name)
        {
            files.insert(rest.to_string(), static_file(rest, file.data.into_owned()));
        }
    }
    let local = theme_dir.join("static");
    for path in walk(&local) {
        if let (Ok(rel), Ok(bytes)) = (path.strip_prefix(&local), std::fs::read(&path)) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            files.insert(rel.clone(), static_file(&rel, bytes));
        }
    }
    files
}

fn static_file(name: &str, bytes: Vec<u8>) -> StaticFile {
    let hash = hex::encode(&Sha256::digest(&bytes)[..6]);
    let mime = match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    };
    StaticFile { bytes, hash, mime }
}

/// Folders inside a theme's static folder that are read: far more than a theme needs.
const MAX_STATIC_DEPTH: usize = 16;

/// The files under `dir`. Folders reached through a symbolic link are not entered (a link to a
/// parent would loop without end); linked files are read as files.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut folders = vec![(dir.to_path_buf(), 0)];
    while let Some((folder, depth)) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() && depth < MAX_STATIC_DEPTH => folders.push((path, depth + 1)),
                Ok(t) if t.is_file() || (t.is_symlink() && path.is_file()) => out.push(path),
                _ => {}
            }
        }
    }
    out
}
