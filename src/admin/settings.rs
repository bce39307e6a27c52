//! Settings (`/admin/settings`): the site (title, description, time zone, posts per page), the
//! author (name, avatar, bio, rel=me links), emoji topics, the alt-text rule, the password, and
//! signing out everywhere.

use crate::ctx;
use poem::web::{Data, Multipart, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};

use super::DoneQuery;
use crate::activitypub::delivery;
use crate::app::App;
use crate::auth::csrf::AdminForm;
use crate::auth::owner::{self, validate_display_name};
use crate::auth::throttle::client_ip;
use crate::auth::{Admin, password};
use crate::error::{Failure, Result};
use crate::media::files;
use crate::media::process::VARIANT_WIDTHS;
use crate::media::upload;
use crate::posts::permalink::slugify;
use crate::posts::topics;
use crate::render::markdown;
use crate::store::kinds::Verb;
use crate::store::owner as owner_store;
use crate::store::settings::{self, SiteSettings, Topic};

#[derive(Deserialize, Serialize, Default)]
pub struct SettingsForm {
    title: String,
    description: String,
    author_name: String,
    bio: String,
    rel_me: String,
    timezone: String,
    topics: String,
    #[serde(default)]
    require_alt: Option<String>,
    posts_per_page: String,
    #[serde(default)]
    manually_approves_followers: Option<String>,
    #[serde(default)]
    federate_articles: Option<String>,
    #[serde(default)]
    reveal_follows: Option<String>,
    #[serde(default)]
    also_known_as: String,
}

/// Topics are edited as lines of "emoji name" (the slug comes from the name).
fn topics_text(topics: &[Topic]) -> String {
    topics
        .iter()
        .map(|t| format!("{} {}", t.emoji, t.name))
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_topics(text: &str) -> Result<Vec<Topic>, String> {
    let mut out: Vec<Topic> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (emoji, name) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("Topic line “{line}” needs an emoji, a space and a name."))?;
        let name = name.trim();
        let slug = slugify(name);
        if emoji.chars().any(|c| c.is_alphanumeric()) || slug.is_empty() {
            return Err(format!(
                "Topic line “{line}” needs an emoji, a space and a name."
            ));
        }
        if out
            .iter()
            .any(|t| t.slug == slug || topics::normalize(&t.emoji) == topics::normalize(emoji))
        {
            return Err(format!("The topic “{line}” appears twice."));
        }
        out.push(Topic {
            emoji: emoji.to_string(),
            name: name.to_string(),
            slug,
        });
    }
    Ok(out)
}

fn parse_links(text: &str) -> Result<Vec<String>, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            if (l.starts_with("https://") || l.starts_with("http://"))
                && !l.contains(char::is_whitespace)
            {
                Ok(l.to_string())
            } else {
                Err(format!("“{l}” is not a web address (https://…)."))
            }
        })
        .collect()
}

/// Turns the form into settings, or says what is wrong with it.
fn read_form(f: &SettingsForm, current: &SiteSettings) -> Result<(SiteSettings, String), String> {
    let title = f.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err("The site title needs 1 to 200 characters.".into());
    }
    if f.timezone.parse::<chrono_tz::Tz>().is_err() {
        return Err("Pick a time zone from the list.".into());
    }
    let posts_per_page: u32 = f
        .posts_per_page
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=100).contains(n))
        .ok_or("Posts per page must be a number from 1 to 100.")?;
    validate_display_name(&f.author_name)?;
    let bio: String = f.bio.trim().chars().take(5000).collect();
    let settings = SiteSettings {
        title: title.to_string(),
        description: f.description.trim().chars().take(500).collect(),
        bio_html: markdown::to_html(&bio),
        bio,
        avatar: current.avatar.clone(),
        header_image: current.header_image.clone(),
        rel_me: parse_links(&f.rel_me)?,
        timezone: f.timezone.clone(),
        topics: parse_topics(&f.topics)?,
        require_alt: f.require_alt.is_some(),
        posts_per_page,
        manually_approves_followers: f.manually_approves_followers.is_some(),
        federate_articles: f.federate_articles.is_some(),
        reveal_follows: f.reveal_follows.is_some(),
        also_known_as: parse_links(&f.also_known_as)?,
        moved_to: current.moved_to.clone(),
        book_shelves_public: current.book_shelves_public.clone(),
        book_post_on_finish: current.book_post_on_finish,
    };
    Ok((settings, f.author_name.trim().to_string()))
}

async fn show(
    app: &App,
    admin: &Admin,
    form: SettingsForm,
    error: Option<String>,
    done: Option<&str>,
) -> Result<Response> {
    let current = app.settings().await?;
    let avatar = current.avatar.as_ref().map(|name| files::public_path(name));
    let header_image = current
        .header_image
        .as_ref()
        .map(|name| files::public_path(name));
    let zones: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    let mut response = super::render(
        app,
        admin,
        "settings.html",
        "settings",
        done,
        ctx! { form, error => error.clone(), zones, avatar, header_image, min_password => password::MIN_LENGTH },
    )
    .await?;
    if error.is_some() {
        response.set_status(poem::http::StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}

#[handler]
pub async fn page(
    Data(app): Data<&App>,
    admin: Admin,
    Query(q): Query<DoneQuery>,
) -> Result<Response> {
    let form = form_for(app).await?;
    show(app, &admin, form, None, q.done.as_deref()).await
}

#[handler]
pub async fn save(Data(app): Data<&App>, f: AdminForm<SettingsForm>) -> Result<Response> {
    let current = app.settings().await?;
    let (new, author) = match read_form(&f.form, &current) {
        Ok(ok) => ok,
        Err(message) => return show(app, &f.admin, f.form, Some(message), None).await,
    };
    app.db
        .write(move |tx| {
            let stored = settings::load(tx)?;
            // The avatar and header have their own forms; keep whatever they hold now.
            let new = SiteSettings {
                avatar: stored.avatar.clone(),
                header_image: stored.header_image.clone(),
                ..new
            };
            if new.topics != stored.topics {
                topics::retag_all(tx, &new.topics)?;
            }
            let profile_changed = new.bio_html != stored.bio_html
                || new.rel_me != stored.rel_me
                || new.also_known_as != stored.also_known_as
                || new.manually_approves_followers != stored.manually_approves_followers;
            settings::save(tx, &new)?;
            let name_changed = owner_store::get(tx)?.is_some_and(|o| o.display_name != author);
            owner_store::set_display_name(tx, &author)?;
            if profile_changed || name_changed {
                // Followers' servers show the profile from their copy: send them the new one.
                delivery::queue(tx, Verb::Update, None)?;
            }
            Ok(())
        })
        .await?;
    Ok(Redirect::see_other("/admin/settings?done=settings").into_response())
}

/// POST /admin/settings/avatar (multipart `file`).
#[handler]
pub async fn upload_avatar(
    Data(app): Data<&App>,
    admin: Admin,
    multipart: Multipart,
) -> poem::Result<Response> {
    // An avatar shows small; the grid-sized copy is plenty when there is one.
    let name = profile_image(app, &admin, multipart, "the avatar", |widths| {
        widths.iter().copied().min()
    })
    .await?;
    save_profile_image(app, move |s| s.avatar = Some(name)).await?;
    Ok(Redirect::see_other("/admin/settings?done=avatar").into_response())
}

/// POST /admin/settings/header (multipart `file`): the wide image atop the fediverse profile.
#[handler]
pub async fn upload_header(
    Data(app): Data<&App>,
    admin: Admin,
    multipart: Multipart,
) -> poem::Result<Response> {
    // Mastodon shows headers about 1500 pixels wide: the large copy, or the original if it is
    // too small to have one (the smaller copies would only lose detail).
    let large = VARIANT_WIDTHS.iter().copied().max();
    let name = profile_image(app, &admin, multipart, "the header", |widths| {
        widths.iter().copied().find(|w| Some(*w) == large)
    })
    .await?;
    save_profile_image(app, move |s| s.header_image = Some(name)).await?;
    Ok(Redirect::see_other("/admin/settings?done=header").into_response())
}

/// Takes the uploaded image through the media pipeline and names the copy to use.
async fn profile_image(
    app: &App,
    admin: &Admin,
    multipart: Multipart,
    what: &str,
    pick: impl Fn(&[u32]) -> Option<u32>,
) -> poem::Result<String> {
    let form = super::upload_form(app, admin, multipart).await?;
    let Some(file) = form.files.first() else {
        return Err(Failure::bad_request(format!("Choose an image for {what}.")).into());
    };
    let media = upload::accept_file(app, file, "")
        .await
        .map_err(Failure::from)?;
    Ok(files::file_name(
        &media.hash,
        &media.ext,
        pick(&media.variants),
    ))
}

/// Stores a profile image setting and tells followers' servers about the new profile.
async fn save_profile_image(
    app: &App,
    set: impl FnOnce(&mut SiteSettings) + Send + 'static,
) -> poem::Result<()> {
    app.db
        .write(move |tx| {
            let mut s = settings::load(tx)?;
            set(&mut s);
            settings::save(tx, &s)?;
            delivery::queue(tx, Verb::Update, None)
        })
        .await
        .map_err(Failure::from)?;
    Ok(())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

/// POST /admin/password: needs the current password; ends every session, this one included,
/// then signs this browser in again.
#[handler]
pub async fn change_password(
    Data(app): Data<&App>,
    req: &poem::Request,
    f: AdminForm<PasswordForm>,
) -> Result<Response> {
    let Some(owner) = app.db.read(owner_store::get).await? else {
        return Err(Failure::not_found());
    };
    let PasswordForm {
        current,
        new,
        confirm,
    } = f.form;
    // Whoever holds a session could otherwise guess the password here without limit.
    let ip = client_ip(req, app.config.trust_proxy);
    if app.login_throttle.attempt(ip).is_err() {
        let message = "Too many wrong passwords. Wait a while, then try again.".to_string();
        return show(app, &f.admin, form_for(app).await?, Some(message), None).await;
    }
    let current_ok = app.passwords.verify(current, owner.password_hash).await?;
    if current_ok {
        app.login_throttle.succeeded(ip);
    }
    let problem = if !current_ok {
        Some("The current password is not right.".to_string())
    } else if new != confirm {
        Some("The two new passwords differ.".to_string())
    } else {
        password::validate(&new).err()
    };
    if let Some(message) = problem {
        return show(app, &f.admin, form_for(app).await?, Some(message), None).await;
    }
    let hash = app.passwords.hash(new).await?;
    app.db
        .write(move |tx| owner::change_password(tx, &hash))
        .await?;
    Ok(crate::auth::session::sign_in(app, req, "/admin/settings?done=password").await?)
}

async fn form_for(app: &App) -> Result<SettingsForm> {
    let s = app.settings().await?;
    let author = app
        .db
        .read(owner_store::get)
        .await?
        .map(|o| o.display_name)
        .unwrap_or_default();
    Ok(SettingsForm {
        title: s.title.clone(),
        description: s.description.clone(),
        author_name: author,
        bio: s.bio.clone(),
        rel_me: s.rel_me.join("\n"),
        timezone: s.timezone.clone(),
        topics: topics_text(&s.topics),
        require_alt: s.require_alt.then(|| "on".into()),
        posts_per_page: s.posts_per_page.to_string(),
        manually_approves_followers: s.manually_approves_followers.then(|| "on".into()),
        federate_articles: s.federate_articles.then(|| "on".into()),
        reveal_follows: s.reveal_follows.then(|| "on".into()),
        also_known_as: s.also_known_as.join("\n"),
    })
}
