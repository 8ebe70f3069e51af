/** One look for success and failure toasts (Mantine notifications). */
import { notifications } from '@mantine/notifications';
import { errorMessage } from '@/lib/client/api';

export function notifySuccess(message: string, title?: string): void {
  notifications.show({ color: 'green', title, message, autoClose: 4000 });
}

export function notifyError(error: unknown, title = 'Action failed'): void {
  notifications.show({ color: 'red', title, message: errorMessage(error), autoClose: 8000 });
}
