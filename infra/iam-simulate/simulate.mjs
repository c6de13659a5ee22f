// Evaluates AWS requests against identity policies with @cloud-copilot/iam-simulate.
// stdin:  {"principal": ARN, "account": ID, "policies": [{"name", "policy"}], "requests": [{"action", "resource"}]}
// stdout: one decision per request, in order ("Allowed", "ImplicitlyDenied", "ExplicitlyDenied")
import { runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const c of process.stdin) chunks.push(c)
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const decisions = []
for (const r of input.requests) {
  const result = await runSimulation({
    identityPolicies: input.policies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      principal: input.principal,
      action: r.action,
      resource: { resource: r.resource, accountId: input.account },
      contextVariables: { 'aws:SecureTransport': 'true' }
    }
  }, {})
  if (result.errors) {
    console.error(JSON.stringify({ request: r, errors: result.errors }))
    process.exit(2)
  }
  decisions.push(result.overallResult)
}
console.log(JSON.stringify(decisions))
