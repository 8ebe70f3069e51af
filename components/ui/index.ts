/** The console's shared UI pieces; import from `@/components/ui`. */
export { PageHeader, type PageHeaderProps } from './PageHeader';
export { ErrorAlert, type ErrorAlertProps } from './ErrorAlert';
export { ConfirmButton, type ConfirmButtonProps } from './ConfirmButton';
export { JsonView, type JsonViewProps } from './JsonView';
export { ProgressWithEta, type ProgressWithEtaProps } from './ProgressWithEta';
export { StatusBadge, type StatusBadgeProps } from './StatusBadge';
export { applyServerErrors, type ApplyServerErrorsOptions } from './apply-server-errors';
export { notifyError, notifySuccess } from './notify';
export { ListEmpty, PageLoader } from './PageStates';
export { StatCard } from './StatCard';
export { TransitionsTable, type TransitionRow } from './TransitionsTable';
export { ExportLinks, type ExportLinksProps } from './ExportLinks';
