# ruff: noqa: E501
"""Demo content for the engineering blog.

Pure data: no Django imports. Consumed by seeding/management code, which is
responsible for turning ``days_ago`` into concrete timestamps and ``state`` into
model fields. ``days_ago`` is 0 for drafts and negative for scheduled posts
(meaning that many days in the future).
"""

# Bylines: post n is signed by AUTHORS[n % 2], every third post by both.
AUTHORS: list[dict] = [
    {
        "slug": "maya-okafor",
        "name": "Maya Okafor",
        "bio": "Platform engineer. Writes about the boring parts that keep things up.",
        "location": "Lisbon",
        "links": [{"network": "github", "url": "https://github.com/example-maya"}],
    },
    {
        "slug": "lars-lindqvist",
        "name": "Lars Lindqvist",
        "bio": "Backend engineer and occasional Elixir evangelist.",
        "location": "Gothenburg",
        "links": [],
    },
]

PAGES: list[dict] = [
    {
        "slug": "about",
        "title": "About",
        "summary": "Who writes here, and why.",
        "body": "## Who we are\n\nA small team writing down what we learn while "
        "building and running software.\n\n## Writing for us\n\nGuest posts are "
        "welcome: say hello first.\n",
        "nav_order": 1,
    },
    {
        "slug": "uses",
        "title": "Uses",
        "summary": "The tools behind this blog.",
        "body": "## The stack\n\n- Django and PostgreSQL\n- Redis\n- A worker "
        "process with no broker\n",
        "nav_order": 2,
    },
]

TAGS: list[dict] = [
    {
        "slug": "engineering",
        "name": "Engineering",
        "description": "How we build things.",
    },
    {
        "slug": "elixir",
        "name": "Elixir",
        "description": "Notes on Elixir, OTP and running systems on the BEAM.",
    },
    {
        "slug": "go",
        "name": "Go",
        "description": "Small binaries, plain concurrency and the Go toolchain.",
    },
    {
        "slug": "ai",
        "name": "AI",
        "description": "Working with coding agents and language models in practice.",
    },
    {
        "slug": "career",
        "name": "Career",
        "description": "Habits, judgement and growing as an engineer.",
    },
]


POSTS: list[dict] = [
    # ------------------------------------------------------------------
    # Published, tagged engineering (11)
    # ------------------------------------------------------------------
    {
        "slug": "what-the-beam-taught-us-about-failure-isolation",
        "title": "What the BEAM taught us about failure isolation",
        "summary": "Lightweight processes and supervisors changed how we think about errors. Instead of guarding every line, we decide where a crash is allowed to stop.",
        "body": """Most of our services used to treat an exception as an emergency. Every handler was wrapped in defensive code, and one bad payload could still take a worker pool down with it. Moving our event pipeline onto the BEAM forced a different question: not "how do we prevent this crash?" but "how far should this crash travel?"

## Processes are the unit of failure

On the BEAM, a process is cheap: a few kilobytes of memory and its own heap. We run one process per customer connection and one per in-flight job. When a process dies, its memory is reclaimed and nothing else is corrupted, because nothing else could touch its state in the first place.

That changes the economics of error handling. Code inside a worker can be written for the happy path, and the surrounding structure decides what happens when reality disagrees.

## Supervisors draw the boundaries

A supervisor restarts its children according to a strategy. Choosing the strategy is where the real design work happens.

```elixir
children = [
  {Registry, keys: :unique, name: Ingest.Registry},
  {DynamicSupervisor, name: Ingest.JobSupervisor, strategy: :one_for_one},
  Ingest.RateLimiter
]

Supervisor.start_link(children, strategy: :rest_for_one)
```

With `:rest_for_one`, if the registry dies, everything started after it restarts too, because those children depend on it. If a single job crashes, only that job is restarted by the dynamic supervisor.

### Restart intensity matters

A supervisor that restarts forever just hides a bug. We keep the defaults tight and let repeated failures escalate upwards, where a human will notice.

## What we changed in practice

- We deleted most `try`/`rescue` blocks in workers and let them crash.
- We moved retries into the supervision tree instead of ad-hoc loops.
- We made every process name its owner in logs, so a crash report says which customer was affected.
- We added alerts on supervisor restarts, not on individual exceptions.

The result is not fewer bugs. It is smaller blast radiuses. A malformed webhook now costs one restarted process and a log line, rather than a paged engineer and a backlog of stalled jobs. That trade has been worth far more than any amount of defensive coding.
""",
        "tags": ["engineering", "elixir"],
        "featured": True,
        "state": "published",
        "days_ago": 6,
    },
    {
        "slug": "why-our-agent-tooling-is-written-in-go",
        "title": "Why our agent tooling is written in Go",
        "summary": "Coding agents call our tools thousands of times a day. Go gives us fast startup, a single static binary and concurrency that is easy to read.",
        "body": """When we started building tools for coding agents to call, we prototyped them in whatever language each engineer liked best. Within a month we had rewritten nearly all of them in Go. The reasons were practical rather than ideological.

## Startup time is a feature

An agent may invoke a tool hundreds of times during a single task: list files, grep, run a formatter, query an index. If each invocation pays a second of interpreter startup, the agent spends more time waiting than thinking. A compiled Go binary starts in a few milliseconds, and that adds up quickly.

## One binary, no environment

Agents run in sandboxes we do not fully control. Shipping a single static binary means there is no virtualenv to activate, no node_modules to install and no version drift between a developer laptop and a CI runner.

```go
func main() {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()

	results := make(chan Match)
	var wg sync.WaitGroup
	for _, root := range os.Args[1:] {
		wg.Add(1)
		go func(dir string) {
			defer wg.Done()
			search(ctx, dir, results)
		}(root)
	}
	go func() { wg.Wait(); close(results) }()

	enc := json.NewEncoder(os.Stdout)
	for m := range results {
		enc.Encode(m)
	}
}
```

That is roughly the whole shape of our parallel search tool: fan out with goroutines, fan in on a channel, emit JSON lines that the agent can parse.

## Boring code is easy to review

Agents also write and modify these tools. Go's small surface area means generated changes tend to look like code a human would write, and reviews go faster. The standard library covers most of what we need:

- `os/exec` for wrapping existing command-line tools safely
- `encoding/json` for structured output the agent can rely on
- `context` for cancellation when the agent abandons a call
- `testing` with table-driven tests that agents imitate well

## What we gave up

Go is not the most expressive language, and some tools would be shorter elsewhere. Error handling is verbose. But for small, fast, dependable utilities that a machine calls far more often than a human reads, those trade-offs land firmly in Go's favour.
""",
        "tags": ["engineering", "go"],
        "featured": False,
        "state": "published",
        "days_ago": 27,
    },
    {
        "slug": "rails-8-removes-the-reasons-we-left",
        "title": "Rails 8 removes the reasons we left",
        "summary": "We moved away from Rails years ago because of infrastructure overhead. A fresh look at Rails 8 shows that most of those reasons no longer apply.",
        "body": """Five years ago we moved a handful of internal apps off Rails. The framework itself was never the problem. The problem was everything around it: a Redis instance for jobs, another for caching, a separate WebSocket service, and a deployment story that needed a dedicated person. Rails 8 quietly deletes most of that list.

## The database does more of the work

The new defaults lean on the database you already run. Background jobs, caching and Action Cable can all be backed by SQL tables instead of extra infrastructure.

```ruby
# config/environments/production.rb
config.active_job.queue_adapter = :solid_queue
config.cache_store = :solid_cache_store
config.solid_queue.connects_to = { database: { writing: :queue } }
```

For an internal tool with a few hundred users, that means one database and one app server. There is simply less to page anyone about.

## Deployment without a platform team

Kamal ships with new apps and deploys containers to plain servers over SSH. We tried it on a spare VM and had a zero-downtime deploy working in an afternoon. It is not a replacement for a full orchestration platform, but most of our internal apps never needed one.

### Authentication is built in

The authentication generator produces a small, readable session and password-reset implementation. We used to reach for a large gem and then spend days customising it. Now we start from code we can read in ten minutes.

## What still gives us pause

Not everything has changed, and we want to be honest about it:

- Ruby performance is much better than it was, but CPU-heavy work still belongs elsewhere.
- Hiring Rails engineers in our market is harder than hiring for TypeScript.
- Solid Queue is young compared to the job systems we run today.
- Some of our tooling assumes a service-per-team model.

## Where we landed

We are not rewriting anything. But the next internal admin tool will start as a Rails 8 app, and we will measure how long it takes to reach production. If the first slice ships in a week with one database and one server, that is a strong argument for the second.
""",
        "tags": ["engineering"],
        "featured": False,
        "state": "published",
        "days_ago": 51,
    },
    {
        "slug": "how-our-cloud-migration-cut-the-bill-by-a-third",
        "title": "How our cloud migration cut the bill by a third",
        "summary": "Moving providers was not what saved money. Measuring what we actually used, and resizing before we moved, did most of the work.",
        "body": """Last spring we moved our production workloads to a new cloud provider. The headline number is that our monthly infrastructure bill dropped by about a third. The less exciting truth is that most of the savings came from work we could have done without moving at all.

## Inventory before migration

Before copying anything, we built a spreadsheet of every running resource, its owner and its utilisation over the previous ninety days. The first pass was sobering.

- Eleven databases had fewer than one query per minute.
- Our staging environment was the same size as production.
- Three load balancers pointed at services that had been deleted.
- Nearly every VM averaged under fifteen percent CPU.

We deleted the dead resources immediately, which alone saved money before a single workload moved.

## Right-size, then move

We resized each service based on its 95th-percentile usage plus headroom, not on what it had been given at launch. The migration plan then became a list of smaller, well-understood workloads.

```yaml
services:
  api:
    cpu: "1"
    memory: 1Gi
    replicas: { min: 2, max: 8 }
    autoscale_on: requests_per_second
  worker:
    cpu: "500m"
    memory: 512Mi
    replicas: { min: 1, max: 4 }
    autoscale_on: queue_depth
```

Autoscaling on queue depth for workers was a big win. Overnight, the worker pool now shrinks to a single replica.

### Egress was the hidden cost

Our biggest surprise was network egress between regions. Co-locating the API and its database in one region cut that line item by more than half.

## What the new provider actually gave us

Pricing was somewhat better, and committed-use discounts were easier to buy. But the real gift of the migration was a deadline. It forced us to look at every resource and justify it.

## Keeping it down

Savings decay if nobody watches them. Every service now has a cost owner, a monthly report lands in each team channel, and new resources need a tag naming who pays for them. The bill has stayed flat for six months while traffic grew, which is the number we are proudest of.
""",
        "tags": ["engineering"],
        "featured": False,
        "state": "published",
        "days_ago": 78,
    },
    {
        "slug": "switching-auth-providers-without-a-single-password-reset",
        "title": "Switching auth providers without a single password reset",
        "summary": "We moved two hundred thousand accounts to a new identity provider. Lazy migration on login meant nobody had to reset a password.",
        "body": """Changing identity providers usually comes with an email nobody wants to send: "please reset your password". We managed to avoid it entirely by migrating credentials lazily, one successful login at a time.

## The constraint

Our old provider would export user profiles but not password hashes in a format the new provider could import. Forcing a reset on two hundred thousand users would have flooded support and lost some of them for good.

## Lazy migration on login

The new provider supports a hook that runs when it does not recognise a user. We pointed that hook at a small service that checks the password against the old provider and, if it succeeds, lets the new provider store its own hash.

```python
def migrate_on_login(email: str, password: str) -> MigrationResult:
    legacy = legacy_client.verify(email, password)
    if not legacy.ok:
        return MigrationResult.reject()
    profile = legacy_client.fetch_profile(legacy.user_id)
    return MigrationResult.accept(
        external_id=profile.id,
        email=profile.email,
        email_verified=profile.email_verified,
    )
```

From the user's point of view, nothing happened. They typed the same password and landed on the same dashboard.

### Keeping both systems honest

During the migration window, writes went to both providers. Profile edits, email changes and MFA enrolments were mirrored so that neither side drifted.

## Rollout plan

We migrated in stages rather than flipping a switch:

- Internal staff first, for two weeks.
- Then one percent of sign-ins, watching error rates and latency.
- Then everyone, with the old provider still authoritative for unmigrated users.
- After ninety days, a bulk import for dormant accounts, who got a reset link only when they next tried to log in.

## What we would do again

Measure the migration rate daily. Ours followed a familiar curve: most active users moved in the first week, then a long tail. Knowing that curve let us pick a sensible date to switch the old provider to read-only.

We would also write the rollback path first. We never used it, but having it made every stage of the rollout a calm, reversible decision instead of a leap.
""",
        "tags": ["engineering"],
        "featured": False,
        "state": "published",
        "days_ago": 104,
    },
    {
        "slug": "where-the-real-speedups-from-ai-coding-tools-come-from",
        "title": "Where the real speedups from AI coding tools come from",
        "summary": "Teams that see large gains from coding assistants change how they work, not just which editor plugin they install. Here is what those teams did differently.",
        "body": """After a year of rolling out AI coding tools across our teams, the results were uneven. Some teams shipped noticeably faster. Others saw no change, or slowed down. The tool was the same everywhere, so we looked at what the successful teams did differently.

## Speed comes from the loop, not the keystrokes

Teams that struggled used assistants as a faster autocomplete. Teams that improved changed the loop around the tool: they wrote clearer tasks, ran tests constantly and reviewed output in small pieces.

The common thread was fast, trustworthy feedback. If the test suite takes twenty minutes, generating code in twenty seconds does not help much.

```yaml
# .ci/fast.yaml: the suite agents run on every change
steps:
  - name: lint
    run: ruff check .
  - name: unit
    run: pytest -q -m "not slow" --maxfail=1
  - name: types
    run: mypy src/
timeout_minutes: 3
```

Getting the fast suite under three minutes did more for one team than any prompt template.

## Habits of the faster teams

- They wrote the acceptance test first and asked the tool to make it pass.
- They kept pull requests small, so reviews stayed careful.
- They kept a short project guide describing conventions, and the tools read it.
- They threw away bad output quickly instead of trying to fix it line by line.

### Where it did not help

Novel architecture decisions, vague product questions and debugging production incidents with incomplete information saw little benefit. Those still needed a person thinking hard.

## Measuring honestly

We stopped counting lines generated and started tracking cycle time from first commit to deploy, plus the rate of changes reverted within a week. On the teams that adapted, cycle time dropped by roughly a third with no rise in reverts.

## The takeaway

Buying licences is the easy part. The real investment is in fast tests, clear conventions and review habits that keep quality steady while output increases. Teams that made that investment got the speedup. Teams that skipped it mostly got more code to review.
""",
        "tags": ["engineering", "ai"],
        "featured": True,
        "state": "published",
        "days_ago": 131,
    },
    {
        "slug": "consolidating-five-services-into-one-elixir-application",
        "title": "Consolidating five services into one Elixir application",
        "summary": "We merged five small services into a single Elixir application. Deployments got simpler, latency dropped and on-call got quieter.",
        "body": """Three years ago, splitting our notification system into five services felt like good architecture. In practice, each service was small, owned by the same team and deployed together. We were paying the costs of distribution without getting the benefits.

## The symptoms

- Every feature touched at least three repositories.
- Most incidents were network timeouts between our own services.
- Local development needed a compose file with nine containers.
- We had five sets of dashboards and alerts to keep in sync.

## Why Elixir made consolidation safe

The usual fear with merging services is losing isolation: one noisy component starves the others. OTP gives us that isolation inside a single node. Each former service became its own supervision tree under one application.

```elixir
defmodule Notify.Application do
  use Application

  def start(_type, _args) do
    children = [
      Notify.Repo,
      {Phoenix.PubSub, name: Notify.PubSub},
      Notify.Templates.Supervisor,
      Notify.Email.Supervisor,
      Notify.Push.Supervisor,
      Notify.Digest.Supervisor,
      NotifyWeb.Endpoint
    ]

    Supervisor.start_link(children, strategy: :one_for_one)
  end
end
```

If the push subsystem crashes repeatedly, its supervisor gives up and escalates, but email delivery keeps running. The boundaries we relied on still exist; they are just processes now instead of network hops.

## Migration order

We moved the least risky service first: template rendering, which was stateless. Each subsequent service was folded in behind a feature flag, with the old deployment left running until traffic reached zero.

### Keeping module boundaries

Merging code makes it tempting to reach across boundaries. We kept a rule that each former service exposes a single public context module, and a compile-time check flags calls into another subsystem's internals.

## Results

Median delivery latency dropped by about forty percent, mostly from removing internal HTTP calls. We went from five deploy pipelines to one. On-call pages for the system fell to roughly one a month.

Splitting services is sometimes the right call. But when the team, the release cadence and the data are all shared, a well-supervised monolith on the BEAM may give you the isolation you wanted without the network in between.
""",
        "tags": ["engineering", "elixir"],
        "featured": False,
        "state": "published",
        "days_ago": 163,
    },
    {
        "slug": "observability-for-ai-features-what-we-log-and-why",
        "title": "Observability for AI features: what we log and why",
        "summary": "Model-backed features fail in quiet ways. We describe the telemetry we collect for every model call and the dashboards that actually get used.",
        "body": """A traditional endpoint either returns the right answer or throws an error. A feature backed by a language model can return a confident, well-formatted, wrong answer with a 200 status. Our usual dashboards could not see that, so we built telemetry specifically for model calls.

## One event per model call

Every call to a model emits a single structured event. We keep it boring and consistent across features so that one set of queries works everywhere.

```sql
CREATE TABLE model_calls (
    id            BIGSERIAL PRIMARY KEY,
    feature       TEXT NOT NULL,
    model         TEXT NOT NULL,
    prompt_hash   TEXT NOT NULL,
    input_tokens  INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    latency_ms    INTEGER NOT NULL,
    outcome       TEXT NOT NULL,
    user_feedback SMALLINT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
```

The `prompt_hash` identifies the prompt template version, so we can compare behaviour before and after a prompt change without storing sensitive user input.

## Signals that matter

Latency and error rate still matter, but the signals that caught real problems were different:

- Output validation failures, such as JSON that does not match the expected schema.
- Retry rate, because a feature that silently retries three times looks healthy but costs triple.
- Token usage per request, which drifts upwards as prompts accumulate context.
- Explicit user feedback, even when only a small fraction of users give it.

### Sampling full transcripts

For debugging, we keep full inputs and outputs for a small, consented sample with a short retention window. That sample is what engineers read when a metric moves.

## Dashboards people use

We tried building a comprehensive dashboard. Nobody looked at it. What worked was one small panel per feature showing cost per successful outcome, validation failure rate and feedback score, each compared with the previous week.

## Alerts

We alert on sudden shifts rather than absolute thresholds: a doubling of validation failures, or a jump in tokens per call after a deploy. Most alerts so far have traced back to prompt changes or upstream model updates, which is exactly the class of problem our old monitoring could not see.
""",
        "tags": ["engineering", "ai"],
        "featured": False,
        "state": "published",
        "days_ago": 196,
    },
    {
        "slug": "knowing-when-to-override-your-coding-agent",
        "title": "Knowing when to override your coding agent",
        "summary": "Coding agents are fast and usually right, which makes their mistakes easy to miss. These are the signals that tell us to stop and take the wheel.",
        "body": """Working with a coding agent feels like pairing with someone fast, tireless and occasionally very confidently wrong. Most of the skill is not in prompting. It is in recognising the moment to stop the agent and do something yourself.

## Signals that it is time to step in

Over a few months we collected the situations where letting the agent continue cost us time:

- It has edited the same function three times without the test passing.
- It is adding special cases to make one test green rather than fixing the cause.
- It proposes changing a test's expectations instead of the code under test.
- The diff is growing in files unrelated to the task.
- It starts explaining why a requirement is unnecessary.

None of these means the agent is useless. They mean the problem has drifted outside what the current context can solve.

## Retry less, restate more

Our instinct was to tell the agent to try again. That rarely helped. What worked was resetting and restating the task with the constraint it kept missing.

```python
# Instead of "that's still wrong, try again":
TASK = '''
Fix the rounding bug in invoice_total().
Constraints:
- Do not modify tests in tests/test_invoices.py.
- Amounts are Decimal; never convert to float.
- Rounding is half-even, applied once at the end.
'''
```

Naming the constraint explicitly turned many long, failing sessions into short, successful ones.

### When to take over entirely

If the fix needs knowledge that lives only in someone's head, such as a customer agreement or a past incident, write that part yourself. The agent cannot infer context that was never written down.

## Reviewing agent output

We review agent changes the way we review a new teammate's: read the tests first, then the diff. If the tests do not describe the behaviour we wanted, the rest of the diff does not matter yet.

## A healthy default

Let the agent draft, and keep yourself responsible for the decision. Overriding is not a failure of the tool; it is the part of the job that still needs a human. The teams that do it early and without fuss get the most from their agents.
""",
        "tags": ["engineering", "ai"],
        "featured": False,
        "state": "published",
        "days_ago": 228,
    },
    {
        "slug": "triaging-an-unfamiliar-codebase-in-ninety-minutes",
        "title": "Triaging an unfamiliar codebase in ninety minutes",
        "summary": "A repeatable routine for getting your bearings in a codebase you have never seen. It is built for the first day on a new team or the first hour of an incident.",
        "body": """Sooner or later you inherit a codebase with no handover: a reorg, an acquisition, or an incident in a service nobody on call has touched. We use a time-boxed routine to get from zero to a useful mental model in about ninety minutes.

## First fifteen minutes: how does it run?

Ignore the code. Find out how the thing starts, builds and deploys. Read the README, the CI configuration and the container or process definitions. By the end you should be able to answer:

- What is the entry point?
- What does it talk to: databases, queues, other services?
- How does a change reach production?

## Next thirty minutes: where is the weight?

Let the repository tell you what matters. A few commands go a long way.

```bash
# Files changed most often in the last year
git log --since="1 year ago" --name-only --pretty=format: \\
  | sort | uniq -c | sort -rn | head -20

# Largest source files
find . -name "*.py" -not -path "./.venv/*" | xargs wc -l | sort -rn | head -15
```

Files that are both large and frequently changed are where the bugs and the business logic live. Start reading there.

## Next thirty minutes: follow one request

Pick the most important user action and trace it end to end: route, handler, domain logic, storage. Write down each hop in a scratch file. Do not try to understand everything along the way; note the questions and keep moving.

### Use the tests as documentation

Even a thin test suite shows what the authors thought was important. Run it. If it does not pass on a clean checkout, that is a finding in itself.

## Last fifteen minutes: write it down

Turn your notes into a one-page map: components, data stores, the request you traced, and the open questions. Share it. Someone will correct something within an hour, and that correction is worth more than another hour of reading.

## Why a time box

Without a limit, exploring a codebase expands to fill the day. Ninety minutes is long enough to form a useful picture and short enough that you start acting on it, which is when real understanding begins.
""",
        "tags": ["engineering", "career"],
        "featured": False,
        "state": "published",
        "days_ago": 262,
    },
    {
        "slug": "scope-the-first-slice-smaller-than-feels-comfortable",
        "title": "Scope the first slice smaller than feels comfortable",
        "summary": "The first release of a feature should feel almost embarrassingly small. A thin, end-to-end slice surfaces the real problems while they are still cheap to fix.",
        "body": """Every project we have seen go badly had an ambitious first milestone. Every project that went well shipped something small to real users early. The difference is rarely talent. It is how the first slice was scoped.

## What a first slice is

A first slice is a thin path through the whole system: interface, logic, storage and deployment. It does one thing for one kind of user, and it runs in production.

It is not a prototype that gets thrown away, and it is not one layer built completely before the next layer starts.

## A worked example

We were asked to build saved searches with alerts, sharing and scheduled digests. The first slice was one table and one endpoint.

```sql
CREATE TABLE saved_searches (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    query      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
```

Users could save a search and see their list. No alerts, no sharing, no editing. It shipped in three days behind a flag for internal users.

Within a week we learned that people saved searches mostly to share them, not to get alerts. The roadmap reordered itself, and we avoided building a notification system first.

## Rules of thumb

- If the slice needs more than one new table, it is probably too big.
- If it cannot be demonstrated in under a minute, it is too big.
- If it does not touch production, it is not a slice yet.
- Cut features before cutting quality: the slice should be small, not sloppy.

### Saying no to the slice-plus-one

Someone will always suggest adding just one more thing because it is "basically free". Write it down for the second slice. Almost nothing is free once it needs tests, review and support.

## Why it feels uncomfortable

Small slices expose work early, including its rough edges. That can feel risky, especially for senior engineers who are expected to deliver polished results. But the discomfort is the point: you are trading a little pride now for a lot of information, at the moment when changing direction is still cheap.
""",
        "tags": ["engineering", "career"],
        "featured": False,
        "state": "published",
        "days_ago": 297,
    },
    # ------------------------------------------------------------------
    # Published, without the engineering tag (2)
    # ------------------------------------------------------------------
    {
        "slug": "learning-elixir-as-a-go-developer",
        "title": "Learning Elixir as a Go developer",
        "summary": "Go and Elixir both make concurrency approachable, but in very different ways. Notes from a Go developer's first three months writing Elixir.",
        "body": """I spent six years writing Go before joining a team that runs mostly Elixir. I expected the syntax to be the hard part. It was not. The hard part was unlearning a few habits that Go had made automatic.

## Goroutines versus processes

Both languages make it cheap to start concurrent work. In Go, goroutines share memory and you coordinate with channels and mutexes. In Elixir, processes share nothing and communicate only by sending messages.

Here is the same idea in both languages: start a worker and wait for its answer.

```go
result := make(chan int)
go func() { result <- expensive(42) }()
fmt.Println(<-result)
```

```elixir
task = Task.async(fn -> expensive(42) end)
IO.inspect(Task.await(task))
```

They look similar, but the failure story differs. If the goroutine panics, the whole program can go down unless you recover. If the Elixir task crashes, the failure is delivered to the caller as a message, and supervisors decide what happens next.

## Habits I had to unlearn

- Checking every error immediately. In Elixir, you often pattern-match on the happy path and let unexpected shapes crash.
- Reaching for a mutex. There is no shared state to lock; you put state inside a process.
- Writing loops. Recursion and the `Enum` module replace almost every `for`.
- Treating nil as normal. Elixir code tends to use tagged tuples like `{:ok, value}` and `{:error, reason}` instead.

### What carried over

Go taught me to prefer small, explicit functions and to be suspicious of magic. That instinct is useful in Elixir too, especially around macros, which are powerful and easy to overuse.

## What I miss

A single static binary is still a joy, and Go's tooling is fast and uniform. Elixir releases are good, but deploying them takes a little more thought.

## What I would tell a Go developer starting out

Read about OTP before writing much code. Once supervision trees make sense, the rest of the language falls into place, and you stop writing Go with different syntax.
""",
        "tags": ["elixir", "go"],
        "featured": False,
        "state": "published",
        "days_ago": 321,
    },
    {
        "slug": "writing-a-brag-document-that-helps-at-review-time",
        "title": "Writing a brag document that helps at review time",
        "summary": "A running record of your work makes performance reviews and promotion cases far easier. Here is a simple format that takes minutes a week to keep up.",
        "body": """Every review cycle, engineers sit down to summarise six months of work and discover they remember only the last few weeks. A brag document fixes that. It is a plain running log of what you did and why it mattered, written while you still remember.

## Why it works

Memory is biased towards recent and dramatic events. The quiet, valuable work, such as mentoring, cleaning up flaky tests or unblocking another team, is the first to be forgotten. Writing it down weekly makes that work visible to you first and to your manager later.

## A format that takes five minutes

Keep it in whatever you already use for notes. Structure matters less than consistency. We like a small, structured entry per item so it is easy to skim later.

```yaml
- week: 2024-W18
  what: Cut CI time for the payments repo from 19 to 7 minutes
  why: Developers were batching changes to avoid waiting
  evidence: Pipeline dashboard, thread in the payments channel
  skills: [build tooling, cross-team collaboration]
```

The `evidence` field is the one people skip and later regret. A link to a dashboard or a thank-you message is far more persuasive than a sentence written from memory.

## What to include

- Projects shipped, with the outcome rather than just the output.
- Incidents you handled and what changed afterwards.
- People you helped: reviews, pairing, onboarding.
- Things you learned, including mistakes and what you now do differently.
- Work that prevented problems, which is easy to overlook precisely because nothing happened.

### What to leave out

Skip the task-by-task diary. If an item would not matter to anyone in three months, it does not belong here.

## Using it at review time

Before writing your self-review, read the whole document and group entries into three or four themes. Those themes become your narrative, and each one already has evidence attached.

## Sharing it

Send it to your manager before the review cycle starts. Most managers are grateful, because they face the same memory problem for every person on the team, and your document makes their job easier.
""",
        "tags": ["career"],
        "featured": False,
        "state": "published",
        "days_ago": 352,
    },
    # ------------------------------------------------------------------
    # Drafts (2)
    # ------------------------------------------------------------------
    {
        "slug": "deduplicating-background-jobs-with-postgres-advisory-locks",
        "title": "Deduplicating background jobs with Postgres advisory locks",
        "summary": "Duplicate jobs caused double emails and wasted work. Postgres advisory locks gave us a simple, reliable guard without adding new infrastructure.",
        "body": """A retry storm last quarter caused some customers to receive the same invoice email three times. The root cause was simple: nothing stopped two workers from processing the same logical job at once. We fixed it with a feature Postgres has had for years.

## Advisory locks in brief

An advisory lock is a lock on an arbitrary number that means nothing to Postgres itself. Your application decides what the number represents. Locks can be held for a session or for a single transaction.

```sql
-- Returns true if we got the lock, false if someone else holds it.
SELECT pg_try_advisory_xact_lock(hashtext('invoice-email:' || 81234));
```

Because the transaction-scoped variant releases automatically on commit or rollback, a crashed worker can never leave a lock behind.

## Wrapping jobs

We added a small helper around job execution so that each job declares its deduplication key.

```python
def run_exclusive(key: str, fn):
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [key])
            (acquired,) = cur.fetchone()
        if not acquired:
            return Skipped(key)
        return fn()
```

If the lock is taken, the second worker skips the job and records a metric rather than raising an error.

## Choosing keys

The key should describe the side effect, not the job record:

- Good: the invoice identifier plus the kind of email.
- Bad: the job's own database identifier, which differs for each retry.
- Good: a tenant plus a date for nightly reports.

### Hash collisions

Hashing to a 32-bit integer means collisions are possible. For our volumes the risk is tiny, and a collision only causes a skipped job that is retried later, not incorrect output.

## Limits

Advisory locks protect concurrent execution, not repeated execution. If the first job finishes and a duplicate arrives an hour later, the lock is free. For that case we still record completed side effects in a table with a unique constraint.

Together, the lock and the constraint removed the duplicate emails entirely, and neither required adding a new service to operate.
""",
        "tags": ["engineering"],
        "featured": False,
        "state": "draft",
        "days_ago": 0,
    },
    {
        "slug": "mentoring-without-adding-more-meetings",
        "title": "Mentoring without adding more meetings",
        "summary": "Good mentoring does not have to mean another recurring calendar invite. These are lightweight habits that help junior engineers grow during normal work.",
        "body": """When a team grows, senior engineers are often asked to mentor. The default answer is a weekly one-to-one, which quickly becomes one more meeting that gets cancelled when things are busy. We have had better results weaving mentoring into work that already happens.

## Reviews as teaching moments

Code review is the most frequent point of contact between engineers. A review comment that explains why is worth far more than one that only says what.

```markdown
Instead of:  "Use a set here."
Try:         "A set makes this lookup constant time. With the list,
              this loop is quadratic once we have a few thousand rows."
```

Labelling comments helps too. We prefix optional suggestions with "nit" and learning notes with "fyi", so a junior engineer knows which comments block a merge and which are for their benefit.

## Narrate your own work

Juniors learn a lot by watching how experienced engineers think. A few habits make that visible without scheduling anything:

- Write short notes in the ticket when you change approach, and say why.
- Share the rough design doc, not just the final one.
- Post a short summary after debugging something tricky.
- Invite a junior to shadow your next on-call handover.

### Let them own something real

Give a junior engineer a small but real area of ownership, such as a flaky test suite or an internal tool. Ownership creates questions, and questions create mentoring conversations naturally.

## Pair on the hard parts

Short pairing sessions, twenty or thirty minutes, focused on a specific problem, beat long scheduled sessions. Let the junior engineer drive. It is slower in the moment and much faster over a quarter.

## When a meeting is still right

Career conversations, feedback on behaviour and goal setting deserve dedicated time. We hold those monthly instead of weekly, and because day-to-day learning already happens in the work, those monthly conversations stay focused on the bigger picture.
""",
        "tags": ["career"],
        "featured": False,
        "state": "draft",
        "days_ago": 0,
    },
    # ------------------------------------------------------------------
    # Scheduled (1)
    # ------------------------------------------------------------------
    {
        "slug": "load-shedding-at-the-edge-with-a-tiny-go-proxy",
        "title": "Load shedding at the edge with a tiny Go proxy",
        "summary": "When traffic spikes, it is better to reject some requests quickly than to serve all of them slowly. A small Go proxy now does that for our API.",
        "body": """During a traffic spike last autumn, our API did not fail outright. It slowed down until every request timed out, which was worse. Clients retried, load increased, and the system never recovered on its own. We fixed it by teaching the edge to say no early.

## The idea

Every service has a concurrency level beyond which throughput stops increasing and latency climbs steeply. Load shedding caps in-flight work near that level and rejects the excess immediately with a clear status code.

A fast rejection is kind to clients: they can back off, show a message or try another region, instead of holding a connection open for thirty seconds.

## A minimal limiter

Our proxy is a few hundred lines of Go. The core is a semaphore implemented with a buffered channel.

```go
type Shedder struct {
	slots chan struct{}
	next  http.Handler
}

func (s *Shedder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
		s.next.ServeHTTP(w, r)
	default:
		w.Header().Set("Retry-After", "2")
		http.Error(w, "server busy", http.StatusServiceUnavailable)
	}
}
```

If a slot is free, the request proceeds. If not, the client gets a 503 with a retry hint in microseconds.

## Choosing the limit

We found the limit by load testing each backend and watching where p99 latency bent upwards. We then set the cap slightly below that point.

### Priorities

Not all requests are equal. We reserve a portion of slots for:

- Health checks, so orchestration does not kill healthy instances.
- Authenticated write requests, which users care about most.
- Internal traffic from the billing system.

Anonymous read traffic is shed first.

## Results

In the next spike, roughly eight percent of requests received a 503 for about four minutes. Everything else was served at normal latency, and the system recovered without anyone touching it.

## What comes next

A fixed cap is simple but static. We are experimenting with adaptive limits that adjust based on observed latency, which should remove the need to re-run load tests after every significant backend change.
""",
        "tags": ["engineering", "go"],
        "featured": False,
        "state": "scheduled",
        "days_ago": -7,
    },
]
