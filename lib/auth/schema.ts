import { z } from 'zod';
import { ROLES } from './roles';

export const usernameSchema = z.string().regex(/^[a-zA-Z0-9_.@-]{1,64}$/, 'use 1-64 letters, digits or _.@-');
export const passwordSchema = z.string().min(8, 'must be at least 8 characters').max(256);

export const loginSchema = z.object({ username: z.string().min(1, 'required').max(64), password: z.string().min(1, 'required').max(256) }).strict();
export const changePasswordSchema = z.object({ current_password: z.string().min(1), new_password: passwordSchema }).strict();
export const createUserSchema = z
  .object({ username: usernameSchema, password: passwordSchema, role: z.enum(ROLES), display_name: z.string().max(200).optional() })
  .strict();
export const updateUserSchema = z
  .object({ password: passwordSchema.optional(), role: z.enum(ROLES).optional(), display_name: z.string().max(200).nullable().optional(), disabled: z.boolean().optional() })
  .strict();
export const createTokenSchema = z.object({ name: z.string().min(1, 'required').max(100), expires_in_days: z.number().int().min(1).max(3650).optional() }).strict();
export const usernameParams = z.object({ username: usernameSchema });
export const idParams = z.object({ id: z.string().uuid('must be a UUID') });
