// The shapes the shell sends and takes: generated from the Rust types into `ipc.ts` (do not
// edit that file; `cargo test` fails when it drifts from Rust).

export type {
  AppInfo, AttachedView, AttachmentMeta, AttachmentRef, Attempt, BudgetSetting, CompareSetSetting, ConversationSummary, Edit, ErrorClass, PriceSetting, RouteSetting, SettingsView,
  Strategy, ColumnMsg, ColumnSpec, CompareSpec, CompareStarted, Verdict, Leaderboard, Rating, Dashboard, DaySpend,
  UsageLine, KeySource, KeyView, MessageView, ModelView, Outcome,
  ProviderView, Render, Saved, SearchHit, Started, StoredView, StreamMsg, TurnEvent, TurnSpec, Usage,
  ErrorKind, ErrorView, Finished, ReasoningEffort, Role, MessageStatus, ConversationKind, StoredPart,
  ToolCall, ToolResult, ToolContent, Decision, AskMsg, Pending, Approval, Approve, McpServerSetting, ServerView, ServerStatus, State as ServerState,
  McpTest, McpTool, ToolsView, LocalView, InstalledModel, CatalogModel, PullEvent,
  ChatSettings, PresetFields, PresetSetting, BudgetRuleSetting, BudgetRule, Scope, Window, RuleStatus, RuleState,
  Preview, Estimate, Counted, Fit,
  UpdatesSetting, UpdateCheck, UpdateOffer, InstallKind, Installed,
  SuitesView, SuiteFileInfo, Suite, Case, Check, CheckResult, JudgeRecord, EvalStart, EvalMsg, RunEnd, EvalRun, RunStatus, StoredCell,
  RunDetail, TargetSummary, RunDiff, CellChange,
} from "./ipc";
