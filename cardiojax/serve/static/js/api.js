// Calls to the server's JSON API. A record source is {files: [File, ...]}
// (the record's files, sent under their own names) or {example: name}.

/** An answer other than 2xx: the HTTP status (0: no answer) and the
 * server's one-line message. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
    this.detail = detail;
  }
}

function form(source, fields) {
  const body = new FormData();
  if (source.example) {
    body.append('example', source.example);
  } else {
    for (const file of source.files) body.append('files', file, file.name);
  }
  for (const [name, value] of Object.entries(fields)) {
    if (value !== null && value !== undefined && value !== '') {
      body.append(name, String(value));
    }
  }
  return body;
}

async function detail(response) {
  try {
    const answer = await response.json();
    return typeof answer.detail === 'string' ? answer.detail
                                             : JSON.stringify(answer.detail);
  } catch (error) {
    return response.statusText;
  }
}

async function send(path, init) {
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, String(error.message || error));
  }
  if (!response.ok) throw new ApiError(response.status, await detail(response));
  return response;
}

/** POSTs a record (and form fields) to `path`; the Response. */
export function post(path, source, fields = {}) {
  return send(path, {method: 'POST', body: form(source, fields)});
}

/** GETs JSON from `path`. */
export async function getJSON(path) {
  return (await send(path, {})).json();
}
