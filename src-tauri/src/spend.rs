//! Presets, settings and spend limits for the window: the cost before sending (asked as the
//! person types, debounced by the UI), each spend limit's standing, a conversation's or compare
//! column's settings, and the OS notification when a limit's alert share is reached.

use std::collections::HashMap;
use std::time::Duration;

use roundtable_engine::session::{preview, ChatSettings, CompareSpec, Preview, TurnSpec};
use roundtable_engine::store::{BudgetClock, RuleStatus};
use tauri::State;

use crate::commands::{blocking, Reply};
use crate::state::AppState;

/// What sending this chat turn would cost (nothing is stored).
#[tauri::command]
pub async fn preview_turn(state: State<'_, AppState>, spec: TurnSpec) -> Reply<Preview> {
    let r = state.ready()?;
    blocking(move || preview::turn(&r.router, &r.store, &r.prices, &spec)).await
}

/// What sending this compare would cost, per column (nothing is stored).
#[tauri::command]
pub async fn preview_compare(state: State<'_, AppState>, spec: CompareSpec) -> Reply<Preview> {
    let r = state.ready()?;
    blocking(move || preview::compare(&r.router, &r.store, &r.prices, &spec)).await
}

/// Every spend limit's spend in its current window, with its forecast.
#[tauri::command]
pub async fn budgets(state: State<'_, AppState>) -> Reply<Vec<RuleStatus>> {
    let r = state.ready()?;
    blocking(move || {
        let rules = r.router.engine().config().budget_rules();
        r.store.budget_statuses(&rules, &BudgetClock::system())
    })
    .await
}

/// Replaces a conversation's settings (the panel by the composer); the next turn uses them.
#[tauri::command]
pub async fn set_conversation_settings(
    state: State<'_, AppState>,
    conversation: i64,
    settings: ChatSettings,
) -> Reply<()> {
    let r = state.ready()?;
    blocking(move || r.store.set_conversation_settings(conversation, &settings)).await
}

/// Replaces one compare column's settings; its next follow-up uses them.
#[tauri::command]
pub async fn set_column_settings(
    state: State<'_, AppState>,
    conversation: i64,
    column: i64,
    settings: ChatSettings,
) -> Reply<()> {
    let r = state.ready()?;
    blocking(move || r.store.set_column_settings(conversation, column, &settings)).await
}

/// An OS notification (the desktop's notification service over D-Bus) for each alert; where
/// there is none (a bare X server), the window's banner is all.
pub fn notify(alerts: &[RuleStatus]) {
    if alerts.is_empty() {
        return;
    }
    let lines: Vec<String> = alerts
        .iter()
        .map(|a| format!("{}: {:.0}% spent", a.label, a.percent))
        .collect();
    let body = lines.join("\n");
    tauri::async_runtime::spawn(async move {
        let sent = tokio::time::timeout(Duration::from_secs(3), send_notification(&body)).await;
        match sent {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("roundtable: no OS notification for a budget alert: {e}"),
            Err(_) => {
                eprintln!("roundtable: no OS notification for a budget alert: no answer in 3 s")
            }
        }
    });
}

async fn send_notification(body: &str) -> zbus::Result<()> {
    let conn = zbus::Connection::session().await?;
    let hints: HashMap<&str, zbus::zvariant::Value<'_>> = HashMap::new();
    conn.call_method(
        Some("org.freedesktop.Notifications"),
        "/org/freedesktop/Notifications",
        Some("org.freedesktop.Notifications"),
        "Notify",
        &(
            "Roundtable",
            0u32,
            "dialog-warning",
            "Spend limit alert",
            body,
            Vec::<&str>::new(),
            hints,
            8000i32,
        ),
    )
    .await?;
    Ok(())
}
