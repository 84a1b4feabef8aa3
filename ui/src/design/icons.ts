// The app's icons: Lucide (one maintained set), imported one file per icon so only these reach
// the bundle. Views import from here, never from lucide-solid directly.

export { default as ArrowDown } from "lucide-solid/icons/arrow-down";
export { default as ArrowUp } from "lucide-solid/icons/arrow-up";
export { default as Check } from "lucide-solid/icons/check";
export { default as ChevronDown } from "lucide-solid/icons/chevron-down";
export { default as ChevronLeft } from "lucide-solid/icons/chevron-left";
export { default as ChevronRight } from "lucide-solid/icons/chevron-right";
export { default as CircleAlert } from "lucide-solid/icons/circle-alert";
export { default as Coins } from "lucide-solid/icons/coins";
export { default as Columns } from "lucide-solid/icons/columns-3";
export { default as Copy } from "lucide-solid/icons/copy";
export { default as Download } from "lucide-solid/icons/download";
export { default as Ellipsis } from "lucide-solid/icons/ellipsis";
export { default as Eye } from "lucide-solid/icons/eye";
export { default as FileText } from "lucide-solid/icons/file-text";
export { default as EyeOff } from "lucide-solid/icons/eye-off";
export { default as Gauge } from "lucide-solid/icons/gauge";
export { default as ImageOff } from "lucide-solid/icons/image-off";
export { default as Info } from "lucide-solid/icons/info";
export { default as KeyRound } from "lucide-solid/icons/key-round";
export { default as LoaderCircle } from "lucide-solid/icons/loader-circle";
export { default as Keyboard } from "lucide-solid/icons/keyboard";
export { default as MessageSquare } from "lucide-solid/icons/message-square";
export { default as MessageSquarePlus } from "lucide-solid/icons/message-square-plus";
export { default as Monitor } from "lucide-solid/icons/monitor";
export { default as Moon } from "lucide-solid/icons/moon";
export { default as Palette } from "lucide-solid/icons/palette";
export { default as Paperclip } from "lucide-solid/icons/paperclip";
export { default as PanelLeft } from "lucide-solid/icons/panel-left";
export { default as Pencil } from "lucide-solid/icons/pencil";
export { default as Pin } from "lucide-solid/icons/pin";
export { default as PinOff } from "lucide-solid/icons/pin-off";
export { default as Plug } from "lucide-solid/icons/plug";
export { default as Plus } from "lucide-solid/icons/plus";
export { default as RefreshCw } from "lucide-solid/icons/refresh-cw";
export { default as Route } from "lucide-solid/icons/route";
export { default as Search } from "lucide-solid/icons/search";
export { default as Send } from "lucide-solid/icons/send";
export { default as Server } from "lucide-solid/icons/server";
export { default as Settings } from "lucide-solid/icons/settings";
export { default as Square } from "lucide-solid/icons/square";
export { default as Sun } from "lucide-solid/icons/sun";
export { default as Trash } from "lucide-solid/icons/trash";
export { default as TriangleAlert } from "lucide-solid/icons/triangle-alert";
export { default as Trophy } from "lucide-solid/icons/trophy";
export { default as Wallet } from "lucide-solid/icons/wallet";
export { default as X } from "lucide-solid/icons/x";
export { default as ChartColumn } from "lucide-solid/icons/chart-column";

import type { JSX } from "solid-js";
import type { LucideProps } from "lucide-solid";

/** An icon component (any of the above). */
export type Icon = (props: LucideProps) => JSX.Element;
export { default as Save } from "lucide-solid/icons/save";
export { default as Shuffle } from "lucide-solid/icons/shuffle";
export { default as ChevronUp } from "lucide-solid/icons/chevron-up";
export { default as Terminal } from "lucide-solid/icons/terminal";
export { default as Wrench } from "lucide-solid/icons/wrench";
export { default as Globe } from "lucide-solid/icons/globe";
export { default as FlaskConical } from "lucide-solid/icons/flask-conical";
export { default as Cpu } from "lucide-solid/icons/cpu";
export { default as SlidersHorizontal } from "lucide-solid/icons/sliders-horizontal";
export { default as CircleArrowUp } from "lucide-solid/icons/circle-arrow-up";
