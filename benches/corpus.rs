//! A deterministic benchmark corpus: realistic source and config text (Go, Python,
//! TypeScript, YAML, JSON, `.env`, Markdown) with fake credentials planted at a known rate.
//!
//! Shared by `benches/scan.rs` and `examples/gen_corpus.rs` (which writes it to disk for
//! `benches/compare.sh`). The same seed always gives the same bytes.

#![allow(dead_code)]

use keyreach::rules::template::{Rng, expand_with};

/// Planted secrets: (template, what it is). Built at run time, never stored.
const PLANTS: &[(&str, &str)] = &[
    ("GITHUB_TOKEN={{gen:github-crc32:ghp_}}", "github"),
    ("aws_access_key_id = {{gen:aws-key-id:AKIA}}\naws_secret_access_key = {{b64:40}}", "aws"),
    ("STRIPE_SECRET_KEY=sk_live_{{alnum:99}}", "stripe"),
    ("SLACK_BOT_TOKEN=xoxb-{{digit:12}}-{{digit:13}}-{{alnum:24}}", "slack"),
    ("DATABASE_URL=postgres://app:{{alnum:16}}@db.internal:5432/app", "database"),
    ("DB_PASSWORD={{alnum:10}}#{{digit:4}}", "generic"),
    ("RAILWAY_API_TOKEN={{uuid}}", "railway"),
    ("OPENAI_API_KEY=sk-proj-{{b64url:74}}T3BlbkFJ{{b64url:74}}", "openai"),
];

/// Filler snippets in several languages; `{{...}}` gives each copy different identifiers.
const FILLER: &[&str] = &[
    "func (c *{{upper:1}}{{lower:7}}Client) Get{{upper:1}}{{lower:6}}(ctx context.Context, input *Get{{upper:1}}{{lower:6}}Input) (*Output, error) {\n\treq, out := c.newRequest(op{{upper:1}}{{lower:8}}, input)\n\tif input.NextToken != nil {\n\t\treq.Params.Set(\"token\", aws.StringValue(input.NextToken))\n\t}\n\treturn out, req.Send()\n}\n\n",
    "def {{lower:8}}_handler(request, token=None):\n    \"\"\"Validate the session token and return the {{lower:6}}.\"\"\"\n    user = authenticate(request, token=token or request.headers.get(\"X-Auth-Token\"))\n    if not user.has_perm(\"{{lower:5}}.view_{{lower:6}}\"):\n        raise PermissionDenied(\"missing permission\")\n    return JsonResponse({\"id\": user.pk, \"items\": list_{{lower:6}}(user)})\n\n",
    "export async function fetch{{upper:1}}{{lower:6}}(client: ApiClient, id: string): Promise<{{upper:1}}{{lower:6}}> {\n  const response = await client.get(`/v1/{{lower:6}}/${id}`, { headers: { Authorization: `Bearer ${client.accessToken}` } });\n  if (!response.ok) throw new ApiError(response.status, await response.text());\n  return (await response.json()) as {{upper:1}}{{lower:6}};\n}\n\n",
    "  - name: {{lower:6}}-{{lower:5}}\n    image: ghcr.io/acme/{{lower:7}}@sha256:{{hex:64}}\n    env:\n      - name: LOG_LEVEL\n        value: info\n      - name: API_TOKEN\n        valueFrom:\n          secretKeyRef: {name: {{lower:6}}, key: token}\n",
    "{\"id\": \"{{uuid}}\", \"name\": \"{{lower:8}}\", \"created_at\": \"2026-01-0{{digit:1}}T10:00:00Z\", \"tags\": [\"{{lower:4}}\", \"{{lower:5}}\"], \"checksum\": \"{{hex:40}}\", \"nextToken\": null},\n",
    "LOG_LEVEL=info\nFEATURE_{{upper:6}}=true\nSERVICE_URL=https://{{lower:6}}.internal:8443\nCACHE_TTL_SECONDS=300\n",
    "## {{upper:1}}{{lower:8}}\n\nThe `{{lower:6}}` command reads its token from the environment and never prints it.\nSee the [configuration guide](docs/config.md) for the list of settings, and rotate\ncredentials with `{{lower:6}} rotate --all` after an incident.\n\n",
];

/// Generates about `size` bytes of corpus text, planting one secret every `every` bytes.
/// Returns the text and the number of secrets planted.
pub fn generate(size: usize, every: usize, seed: &str) -> (Vec<u8>, usize) {
    let mut rng = Rng::from_seed(seed);
    let mut out = Vec::with_capacity(size + 4096);
    let mut planted = 0;
    let mut next_plant = every;
    while out.len() < size {
        let filler = FILLER[(rng.next_u64() % FILLER.len() as u64) as usize];
        out.extend_from_slice(expand_with(filler, &mut rng).unwrap_or_default().as_bytes());
        if out.len() >= next_plant {
            let (plant, _) = PLANTS[planted % PLANTS.len()];
            out.extend_from_slice(expand_with(plant, &mut rng).unwrap_or_default().as_bytes());
            out.push(b'\n');
            planted += 1;
            next_plant += every;
        }
    }
    (out, planted)
}

/// File names cycled through when the corpus is written as a tree.
pub const FILE_NAMES: &[&str] =
    &["client.go", "views.py", "api.ts", "deploy.yaml", "data.json", ".env", "README.md", "handler.go", "models.py"];
