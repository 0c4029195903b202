import { describe, expect, it } from 'vitest';
import { accessTokensSettingsUrl, groupAccessTokensSettingsUrl, MAX_TOKENS_LISTED, personalAccessTokensSettingsUrl, renderExpiryNotice, renderLeakRevocationNotice } from './templates.js';

const settingsUrl = groupAccessTokensSettingsUrl('https://tollgate.example.com', 'acme/infra');

describe('expiry notice email', () => {
  it('GitLab\'s subject with the largest interval that holds for every token, then which token, where and when', () => {
    const mail = renderExpiryNotice({
      recipientName: 'Ada',
      today: '2026-06-15',
      groups: [{ fullPath: 'acme/infra', settingsUrl, tokens: [{ name: 'deploy', expiresAt: '2026-07-30', kind: 'sixty_days' }, { name: 'ci', expiresAt: '2026-06-20', kind: 'seven_days' }] }],
    });
    expect(mail.subject).toBe('Your resource access tokens will expire in 60 days or less: "ci" (acme/infra) expires on 2026-06-20 and 1 more');
    expect(settingsUrl).toBe('https://tollgate.example.com/groups/acme/infra/-/settings/access_tokens');
    expect(mail.text).toContain('  - "ci" expires on 2026-06-20 (in 5 days)\n  - "deploy" expires on 2026-07-30 (in 45 days)');
  });

  it('expired tokens, alone or with expiring ones', () => {
    const expired = { name: 'old', expiresAt: '2026-06-14', kind: 'expired' as const };
    const alone = renderExpiryNotice({ recipientName: 'Ada', today: '2026-06-15', groups: [{ fullPath: 'g', settingsUrl, tokens: [expired] }] });
    expect(alone.subject).toBe('Your resource access tokens have expired: "old" (g) expired on 2026-06-14');
    const both = renderExpiryNotice({ recipientName: 'Ada', today: '2026-06-15', groups: [{ fullPath: 'g', settingsUrl, tokens: [expired, { name: 'new', expiresAt: '2026-06-15', kind: 'seven_days' }] }] });
    expect(both.subject).toMatch(/^Your resource access tokens have expired or will expire in 7 days or less: "old"/);
    expect(both.text).toContain('"new" expires on 2026-06-15 (today)');
  });

  it('a token name cannot inject headers or markup', () => {
    const mail = renderExpiryNotice({ recipientName: '<b>Eve</b>', today: '2026-06-15', groups: [{ fullPath: 'g', settingsUrl, tokens: [{ name: 'x\r\nBcc: all@example.com <script>', expiresAt: '2026-06-20', kind: 'seven_days' }] }] });
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;b&gt;Eve&lt;/b&gt;');
  });

  it(`lists at most ${MAX_TOKENS_LISTED} tokens and says how many more`, () => {
    const tokens = Array.from({ length: MAX_TOKENS_LISTED + 5 }, (_, i) => ({ name: `t${i}`, expiresAt: '2026-06-20', kind: 'seven_days' as const }));
    const mail = renderExpiryNotice({ recipientName: 'Ada', today: '2026-06-15', groups: [{ fullPath: 'g', settingsUrl, tokens }] });
    expect(mail.text.match(/^ {2}- "/gm)).toHaveLength(MAX_TOKENS_LISTED);
    expect(mail.text).toContain('…and 5 more tokens.');
    expect(mail.subject).toContain(`and ${MAX_TOKENS_LISTED + 4} more`);
  });

  it('§10 "Expiry notices" a project\'s tokens are worded "project", with the project\'s Settings > Access tokens link and its Owners and Maintainers as the reason', () => {
    const projectUrl = accessTokensSettingsUrl('https://tollgate.example.com', 'project', 'acme/infra/api');
    expect(projectUrl).toBe('https://tollgate.example.com/acme/infra/api/-/settings/access_tokens');
    const token = { name: 'deploy', expiresAt: '2026-06-20', kind: 'seven_days' as const };
    const project = renderExpiryNotice({ recipientName: 'Ada', today: '2026-06-15', groups: [{ resource: 'project', fullPath: 'acme/infra/api', settingsUrl: projectUrl, tokens: [token] }] });
    expect(project.text).toContain('These project access tokens have expired or will expire soon:');
    expect(project.text).toContain(`Project acme/infra/api:\n  - "deploy" expires on 2026-06-20 (in 5 days)\n  Manage them at Settings > Access tokens: ${projectUrl}`);
    expect(project.text).toContain('You are receiving this email because you are an Owner or Maintainer of the Project.');
    expect(project.text).not.toContain('Owner of the Group');
    expect(project.html).toContain('<h3>Project acme/infra/api</h3>');
    const both = renderExpiryNotice({
      recipientName: 'Ada',
      today: '2026-06-15',
      groups: [{ resource: 'project', fullPath: 'acme/infra/api', settingsUrl: projectUrl, tokens: [token] }, { fullPath: 'acme/infra', settingsUrl, tokens: [token] }],
    });
    expect(both.text).toContain('These group and project access tokens have expired or will expire soon:');
    expect(both.text).toContain('You are receiving this email because you are an Owner of the Group.\nYou are receiving this email because you are an Owner or Maintainer of the Project.');
  });
});

describe('leak revocation email', () => {
  it('GitLab\'s access_token_revoked_email subject ("A personal access token has been revoked"), naming the token and where to make a new one', () => {
    const url = personalAccessTokensSettingsUrl('https://tollgate.example.com');
    const mail = renderLeakRevocationNotice({ recipientName: 'Ada', tokenName: 'laptop', resource: null, fullPath: '', settingsUrl: url });
    expect(mail.subject).toBe('A personal access token has been revoked');
    expect(mail.text).toContain('The personal access token "laptop" was reported as publicly exposed and has been revoked automatically to protect your account.');
    expect(mail.text).toContain(`Create a new token at Settings > Access tokens: ${url}`);
    expect(url).toBe('https://tollgate.example.com/-/user_settings/personal_access_tokens');
  });

  it('a group or project token names its resource and says why the recipient is told', () => {
    const settingsUrl = accessTokensSettingsUrl('https://tollgate.example.com', 'project', 'acme/api');
    const mail = renderLeakRevocationNotice({ recipientName: 'Ada', tokenName: 'deploy', resource: 'project', fullPath: 'acme/api', settingsUrl });
    expect(mail.subject).toBe('A project access token has been revoked');
    expect(mail.text).toContain('The project access token "deploy" of Project acme/api was reported as publicly exposed and has been revoked automatically to protect the project.');
    expect(mail.text).toContain('You are receiving this email because you are an Owner or Maintainer of the Project.');
    const group = renderLeakRevocationNotice({ recipientName: 'Ada', tokenName: 'ci', resource: 'group', fullPath: 'acme', settingsUrl });
    expect(group.subject).toBe('A group access token has been revoked');
    expect(group.text).toContain('You are receiving this email because you are an Owner of the Group.');
  });

  it('a token name cannot inject markup', () => {
    const mail = renderLeakRevocationNotice({ recipientName: '<b>Eve</b>', tokenName: '<script>x</script>', resource: null, fullPath: '', settingsUrl: 'https://t.example' });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;b&gt;Eve&lt;/b&gt;');
  });
});
