//! The command line: `porch [serve]`, `init`, `passwd`, `token create`, `backup`, `restore`,
//! `import`, `export`.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::auth::owner::{self, NewOwner};
use crate::auth::password;
use crate::config::{
    Acme, BaseUrl, Config, DEFAULT_BOOKS_COVERS_URL, DEFAULT_BOOKS_LOOKUP_URL, LETS_ENCRYPT,
    LETS_ENCRYPT_STAGING,
};
use crate::store::settings;
use crate::{backup, server};

#[derive(Parser)]
#[command(
    name = "porch",
    version,
    about = "Porch: a single-user, self-hosted blog that federates and speaks the IndieWeb protocols",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site (the default when no command is given)
    Serve(ServeArgs),
    /// Set up the owner without a browser: username, display name, password from stdin
    Init(InitArgs),
    /// Change the password (read from stdin) and end every session
    Passwd(DataPasswordArgs),
    /// Manage app tokens
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Write a consistent backup of the database and all media into one archive
    Backup(BackupArgs),
    /// Restore a backup archive into an empty data folder
    Restore(RestoreArgs),
    /// Import a blog archive (.bar, from Micro.blog or Porch), a Mastodon archive (.zip), a
    /// WordPress export (.xml) or a folder or zip of Markdown files into posts and pages, a Goodreads
    /// or StoryGraph library export (CSV) onto the bookshelf, or a bookmark file (Netscape HTML,
    /// Pocket CSV) into the bookmarks; works whether or not a server is running on the data
    /// folder, and never federates, pings or mails
    Import(ImportArgs),
    /// Export the whole site as a blog archive (`--out FILE.bar` or `.zip`), or one part of it
    /// (`export books`, `export bookmarks`); works whether or not a server is running on the
    /// data folder
    #[command(args_conflicts_with_subcommands = true)]
    Export {
        #[command(subcommand)]
        what: Option<ExportCommand>,
        #[command(flatten)]
        whole: ExportArchiveArgs,
    },
}

#[derive(Args)]
struct ExportArchiveArgs {
    #[command(flatten)]
    data: DataArg,
    /// The archive to write: a Blog Archive (.bar) or the same as a .zip
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct ImportArgs {
    #[command(flatten)]
    data: DataArg,
    /// The export file (or a folder of Markdown files)
    file: PathBuf,
    /// Let the download of a WordPress site's images reach private, loopback and link-local
    /// addresses (an old site on this machine or this network)
    #[arg(long)]
    allow_private_network: bool,
}

#[derive(Subcommand)]
enum ExportCommand {
    /// The bookshelf as a CSV in Goodreads' layout
    Books {
        #[command(flatten)]
        data: DataArg,
        /// The file to write
        #[arg(long)]
        out: PathBuf,
    },
    /// The bookmarks as a Netscape bookmark file (HTML), which browsers and bookmark services
    /// read; or, when the file's name ends in .json, as JSON with their highlights (W3C Web
    /// Annotations)
    Bookmarks {
        #[command(flatten)]
        data: DataArg,
        /// The file to write
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Args, Clone)]
struct DataArg {
    /// The data folder (database and media)
    #[arg(long, env = "PORCH_DATA", default_value = "./porch-data")]
    data: PathBuf,
}

#[derive(Args, Clone)]
struct ServeArgs {
    #[command(flatten)]
    data: DataArg,
    /// Address to listen on (default 127.0.0.1:8080; with --acme-domain, [::]:443)
    #[arg(long, env = "PORCH_LISTEN")]
    listen: Option<SocketAddr>,
    /// Public origin of the site, used in every link and id (default: the one recorded at
    /// setup, else derived from --listen)
    #[arg(long, env = "PORCH_BASE_URL")]
    base_url: Option<String>,
    /// Let outbound requests reach private, loopback and link-local addresses
    #[arg(long)]
    allow_private_network: bool,
    /// Trust X-Forwarded-For from a reverse proxy in front of Porch
    #[arg(long, env = "PORCH_TRUST_PROXY")]
    trust_proxy: bool,
    /// Serve HTTPS for this domain with a Let's Encrypt certificate (ports 443 and 80)
    #[arg(long, env = "PORCH_ACME_DOMAIN", requires = "acme_email")]
    acme_domain: Option<String>,
    /// Contact address for Let's Encrypt
    #[arg(long, env = "PORCH_ACME_EMAIL", requires = "acme_domain")]
    acme_email: Option<String>,
    /// Use Let's Encrypt's staging service (for trying a set-up)
    #[arg(long, requires = "acme_domain", conflicts_with = "acme_directory")]
    acme_staging: bool,
    /// The ACME server's directory URL (default: Let's Encrypt)
    #[arg(long, env = "PORCH_ACME_DIRECTORY", requires = "acme_domain")]
    acme_directory: Option<String>,
    /// A PEM root certificate to trust when talking to the ACME server (a private or test CA)
    #[arg(long, env = "PORCH_ACME_CA_ROOT", requires = "acme_domain")]
    acme_ca_root: Option<PathBuf>,
    /// With --acme-domain: where plain HTTP redirects to HTTPS (default [::]:80; `off` for none)
    #[arg(long, env = "PORCH_HTTP_LISTEN", requires = "acme_domain")]
    http_listen: Option<String>,
    /// Where the bookshelf looks books up (Open Library's API)
    #[arg(long, env = "PORCH_BOOKS_LOOKUP_URL", default_value = DEFAULT_BOOKS_LOOKUP_URL)]
    books_lookup_url: String,
    /// Where the bookshelf fetches covers (Open Library's cover store)
    #[arg(long, env = "PORCH_BOOKS_COVERS_URL", default_value = DEFAULT_BOOKS_COVERS_URL)]
    books_covers_url: String,
}

#[derive(Args)]
struct InitArgs {
    #[command(flatten)]
    data: DataArg,
    /// Public origin of the site, such as https://example.com
    #[arg(long, env = "PORCH_BASE_URL")]
    base_url: String,
    /// The owner's username (lowercase letters, digits, underscores)
    #[arg(long)]
    username: String,
    /// The owner's display name (default: the username)
    #[arg(long)]
    name: Option<String>,
    /// Read the password from the first line of standard input
    #[arg(long, required = true)]
    password_stdin: bool,
}

#[derive(Args)]
struct DataPasswordArgs {
    #[command(flatten)]
    data: DataArg,
    /// Read the new password from the first line of standard input
    #[arg(long, required = true)]
    password_stdin: bool,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a bearer token and print it on a line of its own
    Create {
        #[command(flatten)]
        data: DataArg,
        /// What the token is for (shown in the admin panel)
        #[arg(long)]
        name: String,
        /// Space-separated scopes: create update delete media
        #[arg(long, default_value = "create update delete media")]
        scope: String,
    },
}

#[derive(Args)]
struct BackupArgs {
    #[command(flatten)]
    data: DataArg,
    /// The archive to write (.tar.gz)
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct RestoreArgs {
    #[command(flatten)]
    data: DataArg,
    /// The archive written by `porch backup`
    archive: PathBuf,
}

fn read_password_line() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Init(args)) => init(args),
        Some(Command::Passwd(args)) => passwd(args),
        Some(Command::Token {
            command: TokenCommand::Create { data, name, scope },
        }) => {
            let scope = crate::auth::tokens::validate_scope(&scope).map_err(anyhow::Error::msg)?;
            let name = name.trim().to_string();
            if name.is_empty() {
                bail!("--name must not be empty");
            }
            let db = server::open_data(&data.data)?;
            let token = db.write_blocking(|tx| {
                if crate::store::owner::get(tx)?.is_none() {
                    bail!("this site is not set up yet; use `porch init` or the setup link first");
                }
                crate::auth::tokens::create(tx, &name, &scope)
            })?;
            println!("{token}");
            Ok(())
        }
        Some(Command::Backup(args)) => {
            backup::backup(&args.data.data, &args.out)?;
            eprintln!("Backup written to {}", args.out.display());
            Ok(())
        }
        Some(Command::Import(args)) => import(args),
        Some(Command::Export { what: None, whole }) => export_archive(whole),
        Some(Command::Export {
            what: Some(ExportCommand::Books { data, out }),
            ..
        }) => {
            let db = server::open_data(&data.data)?;
            let file =
                std::fs::File::create(&out).with_context(|| format!("create {}", out.display()))?;
            let count = crate::books::export::write_csv(&db, std::io::BufWriter::new(file))?;
            eprintln!("{count} books written to {}", out.display());
            Ok(())
        }
        Some(Command::Export {
            what: Some(ExportCommand::Bookmarks { data, out }),
            ..
        }) => {
            let db = server::open_data(&data.data)?;
            let file =
                std::fs::File::create(&out).with_context(|| format!("create {}", out.display()))?;
            let out_file = std::io::BufWriter::new(file);
            let json = out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"));
            let count = if json {
                let base = db.read_blocking(|c| crate::store::settings::get_raw(c, "base_url"))?;
                crate::bookmarks::export::write_json(&db, base.as_deref(), out_file)?
            } else {
                crate::bookmarks::export::write_netscape(&db, out_file)?
            };
            eprintln!("{count} bookmarks written to {}", out.display());
            Ok(())
        }
        Some(Command::Restore(args)) => {
            backup::restore(&args.data.data, &args.archive)?;
            eprintln!("Restored into {}", args.data.data.display());
            Ok(())
        }
    }
}

fn serve(args: ServeArgs) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let db = server::open_data(&args.data.data)?;
        let given = match (&args.base_url, &args.acme_domain) {
            (Some(url), _) => Some(BaseUrl::parse(url).map_err(anyhow::Error::msg)?),
            (None, Some(domain)) => {
                Some(BaseUrl::parse(&format!("https://{domain}")).map_err(anyhow::Error::msg)?)
            }
            (None, None) => None,
        };
        if let Some(domain) = args.acme_domain.clone() {
            let acme = acme(&args, domain)?;
            let base_url = server::resolve_base_url(&db, given, acme.listen)?;
            let config = config(&args, base_url);
            return server::serve_acme(config, db, acme).await;
        }
        let listen = args.listen.unwrap_or(DEFAULT_LISTEN);
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listen on {listen}"))?;
        let bound = listener.local_addr()?;
        let base_url = server::resolve_base_url(&db, given, bound)?;
        let running = server::start(config(&args, base_url), db, listener).await?;
        println!(
            "Porch is serving {} on {bound}",
            running.app.config.base_url
        );
        server::shutdown_signal().await;
        tracing::info!("shutting down");
        running.stop().await
    })
}

/// Where Porch listens when not told: loopback only, for a first try or behind a proxy.
const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);

/// Serving HTTPS itself: the ports of a web server unless told otherwise.
fn acme(args: &ServeArgs, domain: String) -> Result<Acme> {
    let any = std::net::IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED);
    let redirect_listen = match args.http_listen.as_deref() {
        None => Some(SocketAddr::new(any, 80)),
        Some("off") => None,
        Some(addr) => Some(addr.parse().with_context(|| {
            format!("--http-listen {addr:?} is neither an address such as 0.0.0.0:80 nor `off`")
        })?),
    };
    let directory = match (&args.acme_directory, args.acme_staging) {
        (Some(url), _) => url.clone(),
        (None, true) => LETS_ENCRYPT_STAGING.to_string(),
        (None, false) => LETS_ENCRYPT.to_string(),
    };
    Ok(Acme {
        domain,
        email: args.acme_email.clone().unwrap_or_default(),
        directory,
        ca_root: args.acme_ca_root.clone(),
        listen: args.listen.unwrap_or(SocketAddr::new(any, 443)),
        redirect_listen,
    })
}

fn config(args: &ServeArgs, base_url: BaseUrl) -> Config {
    Config {
        data_dir: args.data.data.clone(),
        base_url,
        allow_private_network: args.allow_private_network,
        trust_proxy: args.trust_proxy,
        books_lookup_url: args.books_lookup_url.trim_end_matches('/').to_string(),
        books_covers_url: args.books_covers_url.trim_end_matches('/').to_string(),
    }
}

fn init(args: InitArgs) -> Result<()> {
    let base_url = BaseUrl::parse(&args.base_url).map_err(anyhow::Error::msg)?;
    let new = NewOwner {
        username: args.username.trim().to_string(),
        display_name: args.name.unwrap_or_else(|| args.username.clone()),
        password: read_password_line()?,
    };
    owner::validate(&new).map_err(anyhow::Error::msg)?;
    let hash = password::hash(&new.password)?;
    let db = server::open_data(&args.data.data)?;
    db.write_blocking(|tx| {
        if crate::store::owner::get(tx)?.is_some() {
            bail!("this site is already set up; use `porch passwd` to change the password");
        }
        owner::create(tx, &new, &hash)?;
        settings::set_raw(tx, "base_url", base_url.as_str())
    })?;
    eprintln!("Set up {} for @{}", base_url, new.username);
    Ok(())
}

fn import(args: ImportArgs) -> Result<()> {
    let db = server::open_data(&args.data.data)?;
    // Progress is for a person watching; a log or a pipe gets the summary only.
    let watched = std::io::stderr().is_terminal();
    let progress = |rows: i64| {
        if watched {
            eprint!("\r{rows} rows read");
        }
    };
    // A zip or .tar.gz is an archive of posts, or says why not; a bookmark file is told by its first bytes;
    // anything else is read as a library export, whose reader says what it expected.
    let blog_archive = crate::portability::archives::check_file(&args.file);
    if let Err(reason) = &blog_archive
        && (crate::portability::importer::is_zip(&args.file)
            || crate::portability::importer::is_gzip(&args.file))
    {
        bail!("{reason}");
    }
    let (counts, report, summary) = if blog_archive.is_ok() {
        let media_dir = crate::config::media_dir(&args.data.data);
        let base = stored_base_url(&db)?;
        let net = crate::net::HttpClient::for_site(&base, args.allow_private_network);
        let outcome = crate::portability::archives::import_file(
            &db,
            &media_dir,
            &base,
            &args.file,
            &net,
            &mut |_, so_far| {
                progress(so_far.counts.rows);
                Ok(())
            },
        )?;
        let c = &outcome.counts;
        let summary = format!(
            "{} items of the {} read: {} added, {} imported before, {} skipped. \
             Nothing was sent to followers or anyone else.",
            c.rows,
            outcome.format.map(|f| f.name()).unwrap_or("archive"),
            c.added,
            c.existing,
            c.skipped,
        );
        (outcome.counts, outcome.report, summary)
    } else if crate::bookmarks::import::check_file(&args.file).is_ok() {
        let outcome = crate::bookmarks::import::import_file(&db, &args.file, &mut |_, so_far| {
            progress(so_far.counts.rows);
            Ok(())
        })?;
        let c = &outcome.counts;
        let summary = format!(
            "{} bookmarks of the {} read: {} added, {} saved before, {} skipped. \
             Their pages are kept in the background, one every {} seconds, while Porch runs.",
            c.rows,
            outcome.format.map(|f| f.name()).unwrap_or("file"),
            c.added,
            c.existing,
            c.skipped,
            crate::bookmarks::import::ARCHIVE_SPACING_SECS
        );
        (outcome.counts, outcome.report, summary)
    } else {
        let outcome = crate::books::import::import_file(&db, &args.file, &mut |_, so_far| {
            progress(so_far.counts.rows);
            Ok(())
        })
        .map_err(|e| {
            anyhow::anyhow!(
                "{e:#}\nPorch imports a blog archive (.bar, from Micro.blog or Porch), a \
                 Mastodon archive (.zip), a WordPress export (.xml), Markdown files (a folder \
                 or .zip), a Goodreads or StoryGraph export (CSV), a bookmark file (Netscape \
                 HTML, from a browser, Pinboard or linkding) or a Pocket export (CSV)."
            )
        })?;
        let c = &outcome.counts;
        let summary = format!(
            "{} rows of the {} read: {} books added, {} already on the shelf, {} skipped.",
            c.rows,
            outcome.format.map(|f| f.name()).unwrap_or("CSV file"),
            c.added,
            c.existing,
            c.skipped
        );
        (outcome.counts, outcome.report, summary)
    };
    if watched {
        eprint!("\r");
    }
    eprintln!("{summary}");
    for line in &report {
        eprintln!("  {line}");
    }
    if counts.skipped > report.len() as i64 {
        eprintln!("  …and {} more.", counts.skipped - report.len() as i64);
    }
    Ok(())
}

/// The site's origin as recorded at setup, with no trailing slash; empty before setup.
fn stored_base_url(db: &crate::store::Db) -> Result<String> {
    let base = db.read_blocking(|c| settings::get_raw(c, "base_url"))?;
    Ok(base.unwrap_or_default().trim_end_matches('/').to_string())
}

fn export_archive(args: ExportArchiveArgs) -> Result<()> {
    let Some(out) = args.out else {
        bail!("say where to write the archive: porch export --out site.bar");
    };
    let fits = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("bar") || e.eq_ignore_ascii_case("zip"));
    if !fits {
        bail!("the archive's name must end in .bar or .zip (both are zip files)");
    }
    let db = server::open_data(&args.data.data)?;
    let media_dir = crate::config::media_dir(&args.data.data);
    // Written beside its final name and renamed at the end: a failed export leaves no archive
    // that looks whole.
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("write into {}", dir.display()))?;
    let watched = std::io::stderr().is_terminal();
    let base = stored_base_url(&db)?;
    if base.is_empty() {
        eprintln!(
            "This site has no address yet (set it up first): its links are written as paths."
        );
    }
    let counts = crate::portability::export::write_archive(
        &db,
        &media_dir,
        &base,
        std::io::BufWriter::new(tmp.as_file()),
        &mut |c| {
            if watched {
                eprint!(
                    "\r{} posts, {} drafts, {} files",
                    c.posts, c.drafts, c.files
                );
            }
            Ok(())
        },
    )?;
    tmp.persist(&out)
        .with_context(|| format!("write {}", out.display()))?;
    if watched {
        eprint!("\r");
    }
    eprintln!(
        "{} posts and pages, {} drafts and {} media files written to {}",
        counts.posts,
        counts.drafts,
        counts.files,
        out.display()
    );
    Ok(())
}

fn passwd(args: DataPasswordArgs) -> Result<()> {
    let new = read_password_line()?;
    password::validate(&new).map_err(anyhow::Error::msg)?;
    let hash = password::hash(&new)?;
    let db = server::open_data(&args.data.data)?;
    let ended = db.write_blocking(|tx| {
        if crate::store::owner::get(tx)?.is_none() {
            bail!("this site is not set up yet; use `porch init` or the setup link");
        }
        owner::change_password(tx, &hash)
    })?;
    eprintln!("Password changed; {ended} session(s) ended.");
    Ok(())
}
