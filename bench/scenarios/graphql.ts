// The query a calls list view sends: the row fields a list shows (no transcript: it is loaded
// on demand), the page's stats and the paging.

export const CALLS_QUERY = `query Calls($page: Int, $pageSize: Int, $search: String, $date: Date) {
  calls(page: $page, pageSize: $pageSize, search: $search, date: $date) {
    data { conversationId callId agentName callerNumber calleeNumber status direction callType startedAt endedAt durationSeconds summary endReason recordingUrl source }
    stats { totalConversations fromApi fromDatabase totalDurationMinutes apiStatus }
    pagination { page pageSize total totalPages }
  }
}`

export interface CallsVariables { page?: number, pageSize?: number, search?: string, date?: string }

export function callsBody (vars: CallsVariables): string {
  return JSON.stringify({ query: CALLS_QUERY, variables: vars })
}

export interface CallsResponse {
  data?: { calls?: { data: Array<Record<string, unknown>>, stats: { totalConversations: number, fromApi: number, apiStatus: string }, pagination: { total: number, totalPages: number } } }
  errors?: Array<{ message: string }>
}

/** One calls query; throws on a GraphQL error so a scenario never times an error page. */
export async function callsOnce (serverUrl: string, vars: CallsVariables): Promise<CallsResponse> {
  const res = await fetch(`${serverUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: callsBody(vars) })
  const body = await res.json() as CallsResponse
  if (res.status !== 200 || body.errors !== undefined || body.data?.calls === undefined) {
    throw new Error(`calls(${JSON.stringify(Object.keys(vars))}) answered ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 300)}`)
  }
  return body
}
