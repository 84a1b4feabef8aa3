//! Attachments from the page: the bytes of a file the person picked, dropped or pasted (the page
//! reads them through the browser's File API, so no path ever reaches it or is needed), checked
//! and stored by the engine; and pictures of stored images for the page, as `data:` URLs.

use roundtable_engine::attach::{self, Fitted};
use roundtable_engine::chat::Part;
use roundtable_engine::error::ErrorKind;
use serde::Serialize;
use tauri::ipc::{InvokeBody, Request};
use tauri::State;
use ts_rs::TS;

use crate::commands::{blocking, refused, Reply};
use crate::state::AppState;

/// An attachment checked and stored, for the composer.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AttachedView {
    /// Its SHA-256: what a turn names it by.
    pub sha256: String,
    /// The file's name.
    pub name: String,
    /// `image/png`, `application/pdf`, `text/plain`, …
    pub media_type: String,
    /// Its size.
    pub bytes: u64,
    /// Pixels, for an image.
    pub width: Option<u32>,
    /// Pixels, for an image.
    pub height: Option<u32>,
    /// Pages, for a PDF.
    pub pages: Option<u32>,
    /// A small upright copy of an image, as a `data:` URL.
    pub thumbnail: Option<String>,
}

fn data_url(f: &Fitted) -> String {
    attach::data_url(f.media_type, &f.bytes)
}

/// The file's name, sent percent-encoded in the `x-file-name` header (only the name: the page
/// has no path to send).
fn file_name(request: &Request<'_>) -> String {
    let raw = request
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("attachment");
    let name = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let name = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("attachment")
        .trim();
    if name.is_empty() {
        "attachment".into()
    } else {
        name.chars().take(200).collect()
    }
}

/// Checks and stores the bytes in the request's body (raw, not JSON); answers with what they
/// are and, for an image, a thumbnail. A file that cannot be used is refused with its name and
/// what is wrong; nothing is kept of it.
#[tauri::command]
pub async fn attach(state: State<'_, AppState>, request: Request<'_>) -> Reply<AttachedView> {
    let blobs = state.ready()?.store.blobs();
    let name = file_name(&request);
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(refused(
            ErrorKind::BadInput,
            format!("{name}: the file's bytes did not arrive"),
        ));
    };
    let bytes = bytes.clone();
    let done = blocking(move || attach::keep(&blobs, &name, &bytes, true)).await?;
    view(&done)
}

/// What the page is told of an attachment it added.
fn view(done: &attach::Ingested) -> Reply<AttachedView> {
    let a = match &done.part {
        Part::Image(a) | Part::File(a) => a.clone(),
        _ => return Err(refused(ErrorKind::Internal, "not an attachment")),
    };
    Ok(AttachedView {
        sha256: a.sha256,
        name: a.name,
        media_type: a.media_type,
        bytes: a.bytes,
        width: a.width,
        height: a.height,
        pages: a.pages,
        thumbnail: done.thumbnail.as_ref().map(data_url),
    })
}

/// How long the clipboard's owner may take to hand the picture over.
const PASTE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

/// The clipboard's picture as PNG bytes, asked of GTK on the window's thread without blocking it
/// (the answer comes back through a callback); `None` when the clipboard holds no PNG. The
/// engine checks them like any attachment (size first, pixels from the header, so a
/// decompression bomb is refused before it is decoded).
#[cfg(target_os = "linux")]
async fn clipboard_png(app: &tauri::AppHandle) -> Result<Option<Vec<u8>>, String> {
    let (tx, rx) = tokio::sync::oneshot::channel::<Vec<u8>>();
    app.run_on_main_thread(move || {
        let clipboard = gtk::Clipboard::get(&gdk::SELECTION_CLIPBOARD);
        clipboard.request_contents(&gdk::Atom::intern("image/png"), move |_, data| {
            let _ = tx.send(data.data());
        });
    })
    .map_err(|e| format!("the clipboard cannot be read: {e}"))?;
    match tokio::time::timeout(PASTE_DEADLINE, rx).await {
        Ok(Ok(png)) => Ok((!png.is_empty()).then_some(png)),
        Ok(Err(_)) => Ok(None),
        Err(_) => Err("the clipboard did not answer within 5 s; copy the picture again".into()),
    }
}

/// Elsewhere the web view's paste event carries the picture as a file itself.
#[cfg(not(target_os = "linux"))]
async fn clipboard_png(_app: &tauri::AppHandle) -> Result<Option<Vec<u8>>, String> {
    Ok(None)
}

/// A pasted screenshot: WebKitGTK's paste event carries no image data, so when the page sees a
/// paste with nothing in it, the backend reads the system clipboard's picture itself, and checks
/// and stores it like a picked file. `None` when the clipboard holds no picture.
#[tauri::command]
pub async fn paste_image(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Reply<Option<AttachedView>> {
    let blobs = state.ready()?.store.blobs();
    let Some(png) = clipboard_png(&app)
        .await
        .map_err(|m| refused(ErrorKind::BadInput, m))?
    else {
        return Ok(None);
    };
    let done = blocking(move || attach::keep(&blobs, "pasted-image.png", &png, true)).await?;
    view(&done).map(Some)
}

/// The largest picture of a stored image the page may ask for.
const MAX_SIDE: u32 = 2048;

/// A stored image, upright, at most `side` pixels on its longest side, as a `data:` URL: a
/// message's thumbnail, or the larger view. Read from the data dir, never from the network.
#[tauri::command]
pub async fn attachment_image(
    state: State<'_, AppState>,
    sha256: String,
    name: String,
    side: u32,
) -> Reply<String> {
    let blobs = state.ready()?.store.blobs();
    let side = side.clamp(16, MAX_SIDE);
    blocking(move || {
        let bytes = blobs.get(&sha256, &name)?;
        attach::thumbnail(&bytes, &name, side).map(|f| data_url(&f))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picture_is_a_data_url_of_its_type() {
        let f = Fitted {
            media_type: "image/png",
            bytes: vec![1, 2, 3],
            width: 1,
            height: 1,
        };
        assert_eq!(data_url(&f), "data:image/png;base64,AQID");
    }
}
