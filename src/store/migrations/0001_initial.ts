import { sql, type Kysely } from 'kysely';
import { idColumn, timestamps } from './columns.js';

export async function up(db: Kysely<any>): Promise<void> {
  await idColumn(db, db.schema.createTable('users'))
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('external', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('user_type', 'text', (c) => c.notNull().defaultTo('human'))
    .addColumn('bot_namespace_id', 'integer')
    .addColumn('password_digest', 'text')
    .$call(timestamps)
    .execute();
  // Usernames and emails are unique whatever their case, as in GitLab.
  await db.schema.createIndex('users_username_unique').on('users').unique().expression(sql`lower(username)`).execute();
  await db.schema.createIndex('users_email_unique').on('users').unique().expression(sql`lower(email)`).execute();
  await db.schema.createIndex('users_bot_namespace').on('users').column('bot_namespace_id').execute();

  await idColumn(db, db.schema.createTable('groups'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('full_path', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'integer', (c) => c.references('groups.id').onDelete('cascade'))
    .addColumn('traversal', 'text', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('private'))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('resource_access_token_creation_allowed', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('resource_access_token_notify_inherited', 'integer')
    .addColumn('lock_resource_access_token_notify_inherited', 'integer', (c) => c.notNull().defaultTo(0))
    .$call(timestamps)
    .execute();
  await db.schema.createIndex('groups_full_path_unique').on('groups').unique().expression(sql`lower(full_path)`).execute();
  await db.schema.createIndex('groups_parent').on('groups').column('parent_id').execute();
  await db.schema.createIndex('groups_traversal').on('groups').column('traversal').execute();

  await idColumn(db, db.schema.createTable('projects'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('group_id', 'integer', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('private'))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('creator_id', 'integer')
    .$call(timestamps)
    .execute();
  await db.schema.createIndex('projects_path_unique').on('projects').unique().expression(sql`group_id, lower(path)`).execute();

  await idColumn(db, db.schema.createTable('members'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('source_type', 'text', (c) => c.notNull())
    .addColumn('source_id', 'integer', (c) => c.notNull())
    .addColumn('access_level', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('created_by_id', 'integer')
    .$call(timestamps)
    .execute();
  await db.schema.createIndex('members_source_user_unique').on('members').unique().columns(['source_type', 'source_id', 'user_id']).execute();
  await db.schema.createIndex('members_user').on('members').column('user_id').execute();

  await idColumn(db, db.schema.createTable('personal_access_tokens'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('token_digest', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revoked_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('last_used_ips', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('impersonation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('previous_personal_access_token_id', 'integer')
    .addColumn('group_id', 'integer')
    .$call(timestamps)
    .addColumn('sixty_days_notification_sent_at', 'text')
    .addColumn('thirty_days_notification_sent_at', 'text')
    .addColumn('seven_days_notification_sent_at', 'text')
    .addColumn('after_expiry_notification_sent_at', 'text')
    .execute();
  await db.schema.createIndex('pat_digest_unique').on('personal_access_tokens').unique().column('token_digest').execute();
  await db.schema.createIndex('pat_user').on('personal_access_tokens').column('user_id').execute();
  await db.schema.createIndex('pat_previous').on('personal_access_tokens').column('previous_personal_access_token_id').execute();
  // The expiry jobs select by date among tokens not revoked; this keeps their cost with the tokens due.
  await db.schema.createIndex('pat_expiry').on('personal_access_tokens').columns(['revoked', 'expires_at']).execute();

  await db.schema.createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('instance_meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await idColumn(db, db.schema.createTable('audit_events'))
    .addColumn('author_id', 'integer')
    .addColumn('author_name', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'integer', (c) => c.notNull())
    .addColumn('entity_path', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'integer')
    .addColumn('target_details', 'text')
    .addColumn('ip_address', 'text')
    .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_events_entity').on('audit_events').columns(['entity_type', 'entity_id', 'id']).execute();

  await idColumn(db, db.schema.createTable('issues'))
    .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('iid', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('author_id', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('opened'))
    .$call(timestamps)
    .execute();
  await db.schema.createIndex('issues_project_iid_unique').on('issues').unique().columns(['project_id', 'iid']).execute();
  await db.schema.createIndex('issues_author').on('issues').column('author_id').execute();
}
