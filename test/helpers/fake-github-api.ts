/**
 * A GitHub-REST-shaped HTTP server on 127.0.0.1 for integration tests of src/github: real sockets,
 * real status codes, headers and payload shapes, in-memory state, a request log and per-route
 * fault injection. Only the endpoints perf-gate calls are spoken:
 *
 *   GET    /repos/{owner}/{repo}/issues/{n}/comments          (paginated, Link header)
 *   GET    /repositories/{repo_id}/issues/{n}/comments        (where GitHub's Link header points)
 *   POST   /repos/{owner}/{repo}/issues/{n}/comments
 *   GET    /repos/{owner}/{repo}/issues/comments/{id}
 *   PATCH  /repos/{owner}/{repo}/issues/comments/{id}
 *   DELETE /repos/{owner}/{repo}/issues/comments/{id}
 *   POST   /repos/{owner}/{repo}/check-runs                   (output.annotations validated, stored)
 *   GET    /repos/{owner}/{repo}/pulls                        (state and head=owner:branch filters)
 *   GET    /repos/{owner}/{repo}/pulls/{n}
 *   GET    /repos/{owner}/{repo}/commits/{sha}/branches-where-head
 *   POST   /graphql                                           (only `query { viewer { login } }`)
 *
 * Each accepted token acts as one account (GITHUB_TOKEN's github-actions[bot] unless told), and
 * the comments it creates carry that account as `user`, as GitHub's do.
 *
 * Shapes follow GitHub's REST reference (docs.github.com/rest/issues/comments,
 * docs.github.com/rest/checks/runs, docs.github.com/rest/pulls/pulls,
 * docs.github.com/rest/commits/commits#list-branches-for-head-commit, docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RouteName =
  | 'listComments'
  | 'getComment'
  | 'createComment'
  | 'updateComment'
  | 'deleteComment'
  | 'createCheckRun'
  | 'listPulls'
  | 'getPull'
  | 'branchesWhereHead'
  | 'graphql';

/** GitHub rejects issue comment bodies longer than this with 422 Validation Failed. */
export const COMMENT_BODY_LIMIT = 65_536;
/** GitHub rejects a Check run whose output.summary is longer than this. */
export const CHECK_SUMMARY_LIMIT = 65_535;
/** GitHub takes at most 50 annotations per Check run request. */
export const ANNOTATIONS_PER_REQUEST = 50;

export interface CheckAnnotationInput {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
}

/** The parts of a pull request object perf-gate reads, in GitHub's shape (docs.github.com/rest/pulls/pulls). */
export interface PullRequest {
  id: number;
  number: number;
  state: 'open' | 'closed';
  html_url: string;
  title: string;
  head: {
    label: string;
    ref: string;
    sha: string;
    repo: { name: string; full_name: string; owner: { login: string }; fork: boolean } | null;
  };
  base: {
    label: string;
    ref: string;
    sha: string;
    repo: { name: string; full_name: string; owner: { login: string }; fork: boolean };
  };
  user: GitHubUser;
}

export interface GitHubUser {
  login: string;
  id: number;
  node_id: string;
  avatar_url: string;
  gravatar_id: string;
  url: string;
  html_url: string;
  type: 'User' | 'Bot';
  site_admin: boolean;
}

export interface IssueComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: GitHubUser;
  created_at: string;
  updated_at: string;
  author_association: string;
  performed_via_github_app: null;
}

export interface CheckRun {
  id: number;
  node_id: string;
  head_sha: string;
  external_id: string;
  url: string;
  html_url: string;
  details_url: string | null;
  status: string;
  conclusion: string | null;
  started_at: string;
  completed_at: string | null;
  output: {
    title: string | null;
    summary: string | null;
    text: string | null;
    annotations_count: number;
    annotations_url: string;
  };
  name: string;
  check_suite: { id: number };
  app: { id: number; slug: string; name: string };
  pull_requests: unknown[];
  /** Not in GitHub's response (annotations are listed at annotations_url): what the client sent, kept for assertions. */
  annotations: CheckAnnotationInput[];
}

export interface LoggedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  route: RouteName | 'unknown';
  status: number;
  /** The parsed JSON body the client sent, if any. */
  body: unknown;
  /** Milliseconds since the server started, when the request arrived. */
  receivedAt: number;
}

/** A failure GitHub really produces; injected per route for the next `times` requests. */
export type Fault =
  | { kind: 'forbidden-integration' } // 403 "Resource not accessible by integration": a fork's read-only GITHUB_TOKEN
  | { kind: 'not-found' } // 404 "Not Found"
  | { kind: 'validation-failed'; message?: string } // 422 "Validation Failed"
  | { kind: 'secondary-rate-limit'; retryAfterSeconds: number; status?: 403 | 429 } // GitHub sends 403 or 429
  | { kind: 'rate-limit'; resetInSeconds: number; status?: 403 | 429 } // primary limit spent: x-ratelimit-remaining 0 until x-ratelimit-reset
  | { kind: 'server-error' }; // 500

const DOCS = 'https://docs.github.com/rest';
const ROUTE_DOCS: Record<RouteName, string> = {
  listComments: `${DOCS}/issues/comments#list-issue-comments`,
  getComment: `${DOCS}/issues/comments#get-an-issue-comment`,
  createComment: `${DOCS}/issues/comments#create-an-issue-comment`,
  updateComment: `${DOCS}/issues/comments#update-an-issue-comment`,
  deleteComment: `${DOCS}/issues/comments#delete-an-issue-comment`,
  createCheckRun: `${DOCS}/checks/runs#create-a-check-run`,
  listPulls: `${DOCS}/pulls/pulls#list-pull-requests`,
  getPull: `${DOCS}/pulls/pulls#get-a-pull-request`,
  branchesWhereHead: `${DOCS}/commits/commits#list-branches-for-head-commit`,
  graphql: 'https://docs.github.com/graphql',
};

/** The bot that owns comments made with a workflow's GITHUB_TOKEN. */
export const GITHUB_ACTIONS_BOT: GitHubUser = user('github-actions[bot]', 41898282, 'Bot');

export function user(login: string, id: number, type: 'User' | 'Bot' = 'User'): GitHubUser {
  return {
    login,
    id,
    node_id: `U_${Buffer.from(`${login}:${id}`).toString('base64url')}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url: `https://api.github.com/users/${encodeURIComponent(login)}`,
    html_url: `https://github.com/${login}`,
    type,
    site_admin: false,
  };
}

interface Repository {
  id: number;
  owner: string;
  name: string;
}

interface Hold {
  route: RouteName;
  skip: number;
  parties: number;
  waiting: (() => void)[];
  timer?: NodeJS.Timeout;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly payload: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(payload.message));
  }
}

export class FakeGitHubApi {
  readonly requests: LoggedRequest[] = [];
  readonly checkRuns: CheckRun[] = [];
  /** The token the server accepts; any other gets 401 Bad credentials, as GitHub does. */
  readonly token: string;
  /** Every accepted token and the account it acts as (see addToken). */
  private readonly identities = new Map<string, GitHubUser>();
  private readonly server: Server;
  private readonly started = Date.now();
  private readonly repositories = new Map<string, Repository>();
  private readonly comments = new Map<string, IssueComment[]>(); // key: owner/repo#n
  private readonly faults = new Map<RouteName, { fault: Fault; remaining: number }[]>();
  private readonly holds: Hold[] = [];
  private readonly pulls = new Map<string, PullRequest[]>(); // key: owner/repo, lower case
  private readonly branches = new Map<string, Map<string, string>>(); // key: owner/repo, lower case; branch name -> head sha
  private nextId = 1_000_001;
  private tick = 0;
  private port = 0;

  private constructor(token: string, identity: GitHubUser) {
    this.token = token;
    this.identities.set(token, identity);
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
  }

  /** `identity`: the account `token` acts as (default github-actions[bot], a workflow's GITHUB_TOKEN). */
  static async start(options: { token?: string; identity?: GitHubUser } = {}): Promise<FakeGitHubApi> {
    const api = new FakeGitHubApi(
      options.token ?? 'ghs_fakeTokenForTests0123456789',
      options.identity ?? GITHUB_ACTIONS_BOT,
    );
    api.server.listen(0, '127.0.0.1');
    await once(api.server, 'listening');
    api.port = (api.server.address() as AddressInfo).port;
    return api;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const hold of this.holds) this.release(hold);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Accepts one more token, acting as `identity` (a maintainer's PAT, a GitHub App's installation token). */
  addToken(token: string, identity: GitHubUser): void {
    this.identities.set(token, identity);
  }

  /** The comments on an issue or pull request, oldest first, as GitHub lists them. */
  commentsOn(owner: string, repo: string, issueNumber: number): IssueComment[] {
    return [...(this.comments.get(`${owner}/${repo}#${issueNumber}`) ?? [])];
  }

  /** Adds comments (as if written earlier) and returns them; `author` defaults to a human. */
  seedComments(
    owner: string,
    repo: string,
    issueNumber: number,
    bodies: string[],
    author: GitHubUser = user('octocat', 583231),
  ): IssueComment[] {
    this.repository(owner, repo);
    return bodies.map((body) => this.addComment(owner, repo, issueNumber, body, author));
  }

  /** Adds a pull request to `owner/repo` whose head is `headOwner:headBranch` at `headSha`. */
  seedPullRequest(
    owner: string,
    repo: string,
    pr: {
      number: number;
      headOwner: string;
      headRepo?: string;
      headBranch: string;
      headSha: string;
      state?: 'open' | 'closed';
    },
  ): PullRequest {
    this.repository(owner, repo);
    const headRepo = pr.headRepo ?? repo;
    const payload: PullRequest = {
      id: 2_000_000 + pr.number,
      number: pr.number,
      state: pr.state ?? 'open',
      html_url: `https://github.com/${owner}/${repo}/pull/${pr.number}`,
      title: `PR ${pr.number}`,
      head: {
        label: `${pr.headOwner}:${pr.headBranch}`,
        ref: pr.headBranch,
        sha: pr.headSha,
        repo: {
          name: headRepo,
          full_name: `${pr.headOwner}/${headRepo}`,
          owner: { login: pr.headOwner },
          fork: pr.headOwner.toLowerCase() !== owner.toLowerCase(),
        },
      },
      base: {
        label: `${owner}:main`,
        ref: 'main',
        sha: '0'.repeat(40),
        repo: { name: repo, full_name: `${owner}/${repo}`, owner: { login: owner }, fork: false },
      },
      user: user(pr.headOwner, 4242),
    };
    const key = `${owner}/${repo}`.toLowerCase();
    this.pulls.set(key, [...(this.pulls.get(key) ?? []), payload]);
    // A PR from a branch of the repository itself: that branch exists there, at the PR's head.
    if (
      payload.state === 'open' &&
      pr.headOwner.toLowerCase() === owner.toLowerCase() &&
      headRepo.toLowerCase() === repo.toLowerCase()
    )
      this.seedBranch(owner, repo, pr.headBranch, pr.headSha);
    return payload;
  }

  /** Creates or moves a branch of `owner/repo` so that its head is `sha`. */
  seedBranch(owner: string, repo: string, name: string, sha: string): void {
    this.repository(owner, repo);
    const key = `${owner}/${repo}`.toLowerCase();
    const branches = this.branches.get(key) ?? new Map<string, string>();
    branches.set(name, sha);
    this.branches.set(key, branches);
  }

  /** The next `times` requests to `route` fail with `fault` (Infinity: every request). */
  inject(route: RouteName, fault: Fault, times = 1): void {
    const list = this.faults.get(route) ?? [];
    list.push({ fault, remaining: times });
    this.faults.set(route, list);
  }

  /**
   * A barrier: after letting `skip` requests to `route` through, hold the next `parties` requests
   * until all of them have arrived, then handle them together. Forces an interleaving of
   * concurrent runs deterministically. A hold never lasts longer than `timeoutMs`.
   */
  hold(route: RouteName, parties: number, options: { skip?: number; timeoutMs?: number } = {}): void {
    const hold: Hold = { route, skip: options.skip ?? 0, parties, waiting: [] };
    hold.timer = setTimeout(() => this.release(hold), options.timeoutMs ?? 20_000);
    this.holds.push(hold);
  }

  /** The logged requests to one route, in arrival order. */
  requestsTo(route: RouteName): LoggedRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  private release(hold: Hold): void {
    clearTimeout(hold.timer);
    const index = this.holds.indexOf(hold);
    if (index >= 0) this.holds.splice(index, 1);
    for (const go of hold.waiting.splice(0)) go();
  }

  private async waitAtBarrier(route: RouteName): Promise<void> {
    const hold = this.holds.find((h) => h.route === route);
    if (!hold) return;
    if (hold.skip > 0) {
      hold.skip -= 1;
      return;
    }
    const arrived = new Promise<void>((resolve) => hold.waiting.push(resolve));
    if (hold.waiting.length >= hold.parties) this.release(hold);
    await arrived;
  }

  private repository(owner: string, name: string): Repository {
    const key = `${owner}/${name}`.toLowerCase();
    let repo = this.repositories.get(key);
    if (!repo) {
      repo = { id: 1_296_269 + this.repositories.size, owner, name };
      this.repositories.set(key, repo);
    }
    return repo;
  }

  /** A deterministic clock: each write is one second after the previous, from a fixed origin. */
  private timestamp(): string {
    this.tick += 1;
    return new Date(Date.UTC(2025, 0, 15, 12, 0, 0) + this.tick * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private addComment(owner: string, repo: string, issueNumber: number, body: string, author: GitHubUser): IssueComment {
    const id = this.nextId++;
    const now = this.timestamp();
    const comment: IssueComment = {
      id,
      node_id: `IC_kwDO${Buffer.from(String(id)).toString('base64url')}`,
      url: `https://api.github.com/repos/${owner}/${repo}/issues/comments/${id}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${issueNumber}#issuecomment-${id}`,
      issue_url: `https://api.github.com/repos/${owner}/${repo}/issues/${issueNumber}`,
      body,
      user: author,
      created_at: now,
      updated_at: now,
      author_association: author.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR',
      performed_via_github_app: null,
    };
    const key = `${owner}/${repo}#${issueNumber}`;
    this.comments.set(key, [...(this.comments.get(key) ?? []), comment]);
    return comment;
  }

  private findComment(owner: string, repo: string, id: number): { key: string; index: number } | undefined {
    for (const [key, list] of this.comments) {
      if (!key.toLowerCase().startsWith(`${owner}/${repo}#`.toLowerCase())) continue;
      const index = list.findIndex((c) => c.id === id);
      if (index >= 0) return { key, index };
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now() - this.started;
    const url = new URL(req.url ?? '/', this.baseUrl);
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    let body: unknown;
    const match = matchRoute(method, url.pathname, (id) => [...this.repositories.values()].find((r) => r.id === id));
    const entry: LoggedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      route: match?.route ?? 'unknown',
      status: 0,
      body: undefined,
      receivedAt,
    };
    this.requests.push(entry);

    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      const text = payload === undefined ? '' : JSON.stringify(payload);
      res.writeHead(status, {
        ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        'x-github-api-version-selected': '2022-11-28',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        'x-ratelimit-used': '1',
        'x-ratelimit-resource': 'core',
        'x-github-request-id': `FAKE:${this.requests.length}`,
        ...headers,
      });
      res.end(text);
    };

    try {
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
          entry.body = body;
        } catch {
          throw new HttpError(400, { message: 'Problems parsing JSON', documentation_url: `${DOCS}`, status: '400' });
        }
      }
      if (!match) throw new HttpError(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
      const auth = /^(?:token|Bearer) (.*)$/.exec(req.headers.authorization ?? '')?.[1];
      const identity = auth === undefined ? undefined : this.identities.get(auth);
      if (!identity) {
        throw new HttpError(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
      }
      await this.waitAtBarrier(match.route);
      this.applyFault(match.route);
      const result = this.dispatch(match, url, body, identity);
      send(result.status, result.payload, result.headers);
    } catch (error) {
      if (error instanceof HttpError) send(error.status, error.payload, error.headers);
      else send(500, { message: `fake GitHub API bug: ${String(error)}`, documentation_url: DOCS, status: '500' });
    }
  }

  private applyFault(route: RouteName): void {
    const list = this.faults.get(route);
    const next = list?.[0];
    if (!list || !next) return;
    next.remaining -= 1;
    if (next.remaining <= 0) list.shift();
    const documentation_url = ROUTE_DOCS[route];
    switch (next.fault.kind) {
      case 'forbidden-integration':
        throw new HttpError(403, {
          message: 'Resource not accessible by integration',
          documentation_url,
          status: '403',
        });
      case 'not-found':
        throw new HttpError(404, { message: 'Not Found', documentation_url, status: '404' });
      case 'validation-failed':
        throw new HttpError(422, {
          message: 'Validation Failed',
          errors: [{ resource: 'IssueComment', code: 'custom', message: next.fault.message ?? 'invalid' }],
          documentation_url,
          status: '422',
        });
      case 'secondary-rate-limit': {
        const status = next.fault.status ?? 429;
        // GitHub's wording (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api).
        throw new HttpError(
          status,
          {
            message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            documentation_url:
              'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
            status: String(status),
          },
          { 'retry-after': String(next.fault.retryAfterSeconds) },
        );
      }
      case 'rate-limit': {
        const status = next.fault.status ?? 403;
        throw new HttpError(
          status,
          {
            message: 'API rate limit exceeded for installation ID 1234567.',
            documentation_url:
              'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-primary-rate-limits',
            status: String(status),
          },
          {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-used': '5000',
            'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + next.fault.resetInSeconds),
          },
        );
      }
      case 'server-error':
        throw new HttpError(500, { message: 'Server Error', documentation_url, status: '500' });
    }
  }

  private dispatch(
    match: RouteMatch,
    url: URL,
    body: unknown,
    identity: GitHubUser,
  ): { status: number; payload?: unknown; headers?: Record<string, string> } {
    const { owner, repo } = match;
    const documentation_url = ROUTE_DOCS[match.route];
    const input = (body ?? {}) as Record<string, unknown>;
    switch (match.route) {
      case 'listComments': {
        const all = this.commentsOn(owner, repo, match.number);
        const perPage = Math.min(Math.max(Number(url.searchParams.get('per_page') ?? 30) || 30, 1), 100);
        const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1);
        const lastPage = Math.max(Math.ceil(all.length / perPage), 1);
        const links: string[] = [];
        // GitHub's Link header addresses the repository by id, not by name.
        const pageUrl = (n: number) =>
          `${this.baseUrl}/repositories/${this.repository(owner, repo).id}/issues/${match.number}/comments?per_page=${perPage}&page=${n}`;
        if (page > 1) links.push(`<${pageUrl(page - 1)}>; rel="prev"`);
        if (page < lastPage) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(lastPage)}>; rel="last"`);
        if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`);
        return {
          status: 200,
          payload: all.slice((page - 1) * perPage, page * perPage),
          headers: links.length ? { link: links.join(', ') } : {},
        };
      }
      case 'createComment': {
        const text = requireBody(input, documentation_url);
        this.repository(owner, repo);
        const comment = this.addComment(owner, repo, match.number, text, identity);
        return { status: 201, payload: comment, headers: { location: comment.url } };
      }
      case 'getComment':
      case 'updateComment':
      case 'deleteComment': {
        const found = this.findComment(owner, repo, match.number);
        if (!found) throw new HttpError(404, { message: 'Not Found', documentation_url, status: '404' });
        const list = this.comments.get(found.key)!;
        const comment = list[found.index]!;
        if (match.route === 'getComment') return { status: 200, payload: comment };
        if (match.route === 'deleteComment') {
          list.splice(found.index, 1);
          return { status: 204 };
        }
        const text = requireBody(input, documentation_url);
        const updated = { ...comment, body: text, updated_at: this.timestamp() };
        list[found.index] = updated;
        return { status: 200, payload: updated };
      }
      case 'createCheckRun':
        return { status: 201, payload: this.createCheckRun(owner, repo, input, documentation_url) };
      case 'listPulls': {
        const state = url.searchParams.get('state') ?? 'open';
        const head = url.searchParams.get('head');
        const perPage = Math.min(Math.max(Number(url.searchParams.get('per_page') ?? 30) || 30, 1), 100);
        const all = (this.pulls.get(`${owner}/${repo}`.toLowerCase()) ?? []).filter(
          (pr) =>
            (state === 'all' || pr.state === state) && (!head || pr.head.label.toLowerCase() === head.toLowerCase()),
        );
        return { status: 200, payload: all.slice(0, perPage) };
      }
      case 'graphql': {
        // GraphQL's viewer.login is spelt as REST spells user.login: "github-actions[bot]" for GITHUB_TOKEN.
        if (
          typeof input.query !== 'string' ||
          !/^\s*(query\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$/.test(input.query)
        ) {
          return {
            status: 200,
            payload: { errors: [{ message: `fake GitHub API: query not supported: ${String(input.query)}` }] },
          };
        }
        return { status: 200, payload: { data: { viewer: { login: identity.login } } } };
      }
      case 'branchesWhereHead': {
        // GitHub's shape: the branches whose head is the commit, with a short commit and protection flag.
        const sha = url.pathname.split('/')[5]!;
        const branches = [...(this.branches.get(`${owner}/${repo}`.toLowerCase()) ?? new Map<string, string>())].filter(
          ([, head]) => head === sha,
        );
        return {
          status: 200,
          payload: branches.map(([name, head]) => ({
            name,
            commit: { sha: head, url: `https://api.github.com/repos/${owner}/${repo}/commits/${head}` },
            protected: false,
          })),
        };
      }
      case 'getPull': {
        const pr = (this.pulls.get(`${owner}/${repo}`.toLowerCase()) ?? []).find((p) => p.number === match.number);
        if (!pr) throw new HttpError(404, { message: 'Not Found', documentation_url, status: '404' });
        return { status: 200, payload: pr };
      }
    }
  }

  private createCheckRun(
    owner: string,
    repo: string,
    input: Record<string, unknown>,
    documentation_url: string,
  ): CheckRun {
    const invalid = (message: string) => new HttpError(422, { message, documentation_url, status: '422' });
    if (typeof input.name !== 'string' || !input.name) throw invalid('Invalid request.\n\n"name" wasn\'t supplied.');
    if (typeof input.head_sha !== 'string' || !/^[0-9a-f]{40}$/.test(input.head_sha))
      throw invalid(`No commit found for SHA: ${String(input.head_sha)}`);
    const conclusions = [
      'action_required',
      'cancelled',
      'failure',
      'neutral',
      'success',
      'skipped',
      'stale',
      'timed_out',
    ];
    if (input.conclusion !== undefined && !conclusions.includes(String(input.conclusion)))
      throw invalid(
        `Invalid request.\n\n${JSON.stringify(input.conclusion)} is not a member of ${JSON.stringify(conclusions)}.`,
      );
    if (input.status === 'completed' && input.conclusion === undefined)
      throw invalid('Invalid request.\n\n"conclusion" is required when "status" is "completed".');
    const output = (input.output ?? {}) as { title?: string; summary?: string; text?: string; annotations?: unknown };
    if (typeof output.summary === 'string' && output.summary.length > CHECK_SUMMARY_LIMIT)
      throw invalid(
        `Invalid request.\n\nOnly ${CHECK_SUMMARY_LIMIT} characters are allowed; ${output.summary.length} were supplied.`,
      );
    const annotations = checkAnnotations(output.annotations, invalid);
    const id = this.nextId++;
    const now = this.timestamp();
    const status = typeof input.status === 'string' ? input.status : 'queued';
    const run: CheckRun = {
      id,
      node_id: `CR_kwDO${Buffer.from(String(id)).toString('base64url')}`,
      head_sha: input.head_sha,
      external_id: typeof input.external_id === 'string' ? input.external_id : '',
      url: `https://api.github.com/repos/${owner}/${repo}/check-runs/${id}`,
      html_url: `https://github.com/${owner}/${repo}/runs/${id}`,
      details_url: typeof input.details_url === 'string' ? input.details_url : null,
      status,
      conclusion: typeof input.conclusion === 'string' ? input.conclusion : null,
      started_at: now,
      completed_at: status === 'completed' ? now : null,
      output: {
        title: output.title ?? null,
        summary: output.summary ?? null,
        text: output.text ?? null,
        annotations_count: 0,
        annotations_url: `https://api.github.com/repos/${owner}/${repo}/check-runs/${id}/annotations`,
      },
      name: input.name,
      check_suite: { id: 5_000_000 + id },
      app: { id: 15368, slug: 'github-actions', name: 'GitHub Actions' },
      pull_requests: [],
      annotations,
    };
    run.output.annotations_count = annotations.length;
    this.checkRuns.push(run);
    return run;
  }
}

/** GitHub's rules for output.annotations: required keys, known levels, lines from 1, at most 50. */
function checkAnnotations(value: unknown, invalid: (message: string) => HttpError): CheckAnnotationInput[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid("Invalid request.\n\nFor 'properties/annotations', not an array.");
  if (value.length > ANNOTATIONS_PER_REQUEST)
    throw invalid(
      `Invalid request.\n\nOnly ${ANNOTATIONS_PER_REQUEST} annotations are allowed per request; ${value.length} were supplied.`,
    );
  return value.map((a: Record<string, unknown>) => {
    for (const key of ['path', 'start_line', 'end_line', 'annotation_level', 'message']) {
      if (a[key] === undefined) throw invalid(`Invalid request.\n\n"${key}" wasn't supplied.`);
    }
    if (typeof a.path !== 'string' || a.path.startsWith('/'))
      throw invalid('Invalid request.\n\n"path" must be relative to the repository root.');
    if (
      !Number.isInteger(a.start_line) ||
      (a.start_line as number) < 1 ||
      !Number.isInteger(a.end_line) ||
      (a.end_line as number) < (a.start_line as number)
    )
      throw invalid('Invalid request.\n\ninvalid line range.');
    if (!['notice', 'warning', 'failure'].includes(String(a.annotation_level)))
      throw invalid(
        `Invalid request.\n\n${JSON.stringify(a.annotation_level)} is not a member of ["notice", "warning", "failure"].`,
      );
    return a as unknown as CheckAnnotationInput;
  });
}

function requireBody(input: Record<string, unknown>, documentation_url: string): string {
  if (typeof input.body !== 'string')
    throw new HttpError(422, {
      message: 'Invalid request.\n\n"body" wasn\'t supplied.',
      documentation_url,
      status: '422',
    });
  if (input.body.length > COMMENT_BODY_LIMIT) {
    throw new HttpError(422, {
      message: 'Validation Failed',
      errors: [
        {
          resource: 'IssueComment',
          code: 'unprocessable',
          field: 'data',
          message: `Body is too long (maximum is ${COMMENT_BODY_LIMIT} characters)`,
        },
      ],
      documentation_url,
      status: '422',
    });
  }
  return input.body;
}

interface RouteMatch {
  route: RouteName;
  owner: string;
  repo: string;
  /** The issue number, or the comment id for comment routes. */
  number: number;
}

function matchRoute(
  method: string,
  path: string,
  repoById: (id: number) => Repository | undefined,
): RouteMatch | undefined {
  let m = /^\/repositories\/(\d+)\/issues\/(\d+)\/comments$/.exec(path);
  if (m && method === 'GET') {
    const repo = repoById(Number(m[1]));
    return repo ? { route: 'listComments', owner: repo.owner, repo: repo.name, number: Number(m[2]) } : undefined;
  }
  m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path);
  if (m) {
    const route = method === 'GET' ? 'listComments' : method === 'POST' ? 'createComment' : undefined;
    return route ? { route, owner: m[1]!, repo: m[2]!, number: Number(m[3]) } : undefined;
  }
  m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(path);
  if (m) {
    const route = ({ GET: 'getComment', PATCH: 'updateComment', DELETE: 'deleteComment' } as const)[
      method as 'GET' | 'PATCH' | 'DELETE'
    ];
    return route ? { route, owner: m[1]!, repo: m[2]!, number: Number(m[3]) } : undefined;
  }
  m = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(path);
  if (m && method === 'GET') return { route: 'listPulls', owner: m[1]!, repo: m[2]!, number: 0 };
  m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(path);
  if (m && method === 'GET') return { route: 'getPull', owner: m[1]!, repo: m[2]!, number: Number(m[3]) };
  m = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]{40})\/branches-where-head$/.exec(path);
  if (m && method === 'GET') return { route: 'branchesWhereHead', owner: m[1]!, repo: m[2]!, number: 0 };
  if (path === '/graphql' && method === 'POST') return { route: 'graphql', owner: '', repo: '', number: 0 };
  m = /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/.exec(path);
  if (m && method === 'POST') return { route: 'createCheckRun', owner: m[1]!, repo: m[2]!, number: 0 };
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
