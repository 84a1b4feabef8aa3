//! The TypeScript types of everything that crosses IPC, generated from the Rust types into
//! `ui/src/ipc.ts` (committed). `cargo test` fails when that file and the Rust types drift;
//! `UPDATE_IPC_TYPES=1 cargo test -p roundtable-app ipc_types` writes it again.

#[cfg(test)]
mod tests {
    use roundtable_engine::chat::{Decision, Role, ToolCall, ToolContent, ToolResult};
    use roundtable_engine::config::settings::McpServerSetting;
    use roundtable_engine::config::settings::{
        BudgetRuleSetting, BudgetSetting, CompareSetSetting, Edit, PresetSetting, PriceSetting,
        RouteSetting, SettingsView, UpdatesSetting,
    };
    use roundtable_engine::config::Strategy;
    use roundtable_engine::config::{BudgetRule, PresetConfig, Scope, Window};
    use roundtable_engine::error::{ErrorClass, ErrorKind, ErrorView};
    use roundtable_engine::estimate::{Counted, Estimate, Fit};
    use roundtable_engine::mcp::{Approve, Kind, McpTest, McpTool, ServerStatus, State};
    use roundtable_engine::reports::dashboard::{Dashboard, DaySpend, UsageLine};
    use roundtable_engine::reports::leaderboard::{Leaderboard, Rating};
    use roundtable_engine::router::{Attempt, Outcome};
    use roundtable_engine::session::AttachmentRef;
    use roundtable_engine::session::{ChatSettings, Preview};
    use roundtable_engine::session::{ColumnSpec, CompareSpec, Finished, TurnEvent, TurnSpec};
    use roundtable_engine::store::{
        AnswerFigures, AttachmentMeta, ConversationKind, MessageStatus, StoredPart, Verdict,
    };
    use roundtable_engine::store::{RuleState, RuleStatus};
    use roundtable_engine::tools::{Approval, Pending};
    use roundtable_engine::{ReasoningEffort, Usage};
    use ts_rs::TS;

    use crate::attachments::AttachedView;
    use crate::commands::{AppInfo, Saved, Started};
    use crate::compare::{ColumnMsg, CompareStarted};
    use crate::evals::{EvalMsg, EvalStart, RunDetail, SuitesView};
    use crate::local::{CatalogModel, InstalledModel, LocalView, PullEvent};
    use crate::stream::{AskKind, AskMsg, Render, RenderKind, StreamMsg};
    use crate::tools::{ServerView, ToolsView};
    use crate::update::{InstallKind, Installed, UpdateCheck, UpdateOffer};
    use crate::views::{
        HitView, KeySource, KeyView, ListedView, MessageView, ModelView, ProviderView, StoredView,
    };
    use roundtable_engine::eval::checks::CommandLine;
    use roundtable_engine::eval::run::RunEnd;
    use roundtable_engine::eval::suite::{Attached, JudgeDefaults};
    use roundtable_engine::eval::{
        Case, CellChange, Check, CheckResult, JudgeRecord, RunDiff, Suite, SuiteFileInfo,
        TargetSummary,
    };
    use roundtable_engine::store::{EvalRun, RunStatus, StoredCell};

    const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/src/ipc.ts");

    /// One `export type` per Rust type, with its doc comment. IDs, token counts and
    /// micro-dollars stay far below 2^53, so 64-bit integers are plain numbers.
    fn generate() -> String {
        let cfg = ts_rs::Config::default().with_large_int("number");
        let mut out = String::from(
            "// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit: run\n\
             // `UPDATE_IPC_TYPES=1 cargo test -p roundtable-app ipc_types` after changing them.\n",
        );
        macro_rules! export {
            ($($t:ty),* $(,)?) => {$(
                out.push('\n');
                if let Some(docs) = <$t>::docs() {
                    out.push_str(&docs);
                }
                out.push_str("export ");
                out.push_str(&<$t>::decl(&cfg));
                out.push('\n');
            )*};
        }
        export!(
            AppInfo,
            AttachedView,
            AttachmentRef,
            AttachmentMeta,
            StoredPart,
            ListedView,
            ConversationKind,
            HitView,
            StoredView,
            MessageView,
            Role,
            MessageStatus,
            AnswerFigures,
            ModelView,
            TurnSpec,
            Started,
            Saved,
            StreamMsg,
            Render,
            RenderKind,
            TurnEvent,
            Finished,
            ErrorView,
            ErrorKind,
            ReasoningEffort,
            Attempt,
            Outcome,
            ErrorClass,
            Usage,
            ProviderView,
            KeyView,
            KeySource,
            SettingsView,
            RouteSetting,
            CompareSetSetting,
            Strategy,
            PriceSetting,
            BudgetSetting,
            Edit,
            CompareSpec,
            ColumnSpec,
            CompareStarted,
            ColumnMsg,
            Verdict,
            Leaderboard,
            Rating,
            Dashboard,
            DaySpend,
            UsageLine,
            ToolCall,
            ToolResult,
            ToolContent,
            Decision,
            AskMsg,
            AskKind,
            Pending,
            Approval,
            Approve,
            McpServerSetting,
            ServerView,
            ServerStatus,
            Kind,
            State,
            McpTest,
            McpTool,
            ToolsView,
            LocalView,
            InstalledModel,
            CatalogModel,
            PullEvent,
            ChatSettings,
            PresetConfig,
            PresetSetting,
            BudgetRuleSetting,
            BudgetRule,
            Scope,
            Window,
            RuleStatus,
            RuleState,
            Preview,
            Estimate,
            Counted,
            Fit,
            UpdatesSetting,
            UpdateCheck,
            UpdateOffer,
            InstallKind,
            Installed,
            SuitesView,
            SuiteFileInfo,
            Suite,
            Case,
            Attached,
            JudgeDefaults,
            Check,
            CommandLine,
            CheckResult,
            JudgeRecord,
            EvalStart,
            EvalMsg,
            RunEnd,
            EvalRun,
            RunStatus,
            StoredCell,
            RunDetail,
            TargetSummary,
            RunDiff,
            CellChange,
        );
        out
    }

    #[test]
    fn ipc_types_match_the_ui() {
        let fresh = generate();
        if std::env::var_os("UPDATE_IPC_TYPES").is_some() {
            std::fs::write(FILE, &fresh).expect("write ui/src/ipc.ts");
            return;
        }
        let committed = std::fs::read_to_string(FILE).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/ipc.ts has drifted from the Rust types it is generated from; run \
             `UPDATE_IPC_TYPES=1 cargo test -p roundtable-app ipc_types` and commit the result"
        );
    }
}
