// The labeling page: everything goes through labelsync's (Label Studio's) API with the API key.
const KEY_ITEM = 'labelsync-api-key';

function apiKey() {
  let key = sessionStorage.getItem(KEY_ITEM);
  if (!key) {
    key = (window.prompt('API key (Account & Settings → Access Token, or `labelsync admin create-token`)') || '').trim();
    if (key) sessionStorage.setItem(KEY_ITEM, key);
  }
  return key;
}

function say(text) { document.getElementById('message').textContent = text; }

async function api(path, options = {}) {
  const headers = Object.assign({ Authorization: 'Token ' + apiKey() }, options.headers || {});
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    sessionStorage.removeItem(KEY_ITEM);
    throw new Error('the API key was refused; reload the page to enter another');
  }
  if (!response.ok) throw new Error((options.method || 'GET') + ' ' + path + ': HTTP ' + response.status);
  return response.status === 204 ? null : response.json();
}

// The first task of the project without annotations (skipped ones count as done).
async function nextTask() {
  for (let page = 1; ; page++) {
    const list = await api('/api/tasks/?project=' + PROJECT + '&fields=all&page_size=100&page=' + page);
    const task = list.tasks.find((t) => t.total_annotations === 0 && t.cancelled_annotations === 0);
    if (task) return task;
    if (list.tasks.length < 100) return null;
  }
}

// Media URLs of the task's data point at the resolve endpoints, which need the API key: a
// presigning storage gives the signed URL (asked as JSON), a proxying one the bytes (a blob URL).
async function resolveMedia(data) {
  const out = {};
  for (const [name, value] of Object.entries(data)) {
    out[name] = typeof value === 'string' && value.includes('/resolve/?fileuri=') ? await resolved(value) : value;
  }
  return out;
}

async function resolved(url) {
  const response = await fetch(url, { headers: { Authorization: 'Token ' + apiKey(), 'X-Labelsync-Resolve': 'url' } });
  if (!response.ok) throw new Error('resolving ' + url + ': HTTP ' + response.status);
  if (response.headers.get('X-Labelsync-Resolved') === 'url') return (await response.json()).url;
  return URL.createObjectURL(await response.blob());
}

async function start() {
  document.getElementById('forget').onclick = () => { sessionStorage.removeItem(KEY_ITEM); location.reload(); };
  if (typeof LabelStudio === 'undefined') return say('The editor did not load; see the line above.');
  if (!apiKey()) return say('No API key given; reload the page to enter one.');
  const [me, project] = await Promise.all([api('/api/current-user/whoami'), api('/api/projects/' + PROJECT + '/')]);
  const task = await nextTask();
  if (!task) return say('Project "' + project.title + '": every task is labeled.');
  say('Project "' + project.title + '", task #' + task.id);
  const data = await resolveMedia(task.data);
  const started = Date.now();
  const leadTime = () => (Date.now() - started) / 1000;
  new LabelStudio('label-studio', {
    config: project.label_config,
    interfaces: ['panel', 'update', 'submit', 'skip', 'controls', 'topbar', 'infobar', 'instruction',
      'side-column', 'annotations:menu', 'annotations:add-new', 'annotations:delete', 'predictions:menu'],
    user: { pk: me.id, firstName: me.first_name, lastName: me.last_name },
    task: { id: task.id, data, annotations: [], predictions: task.predictions || [] },
    onLabelStudioLoad: (ls) => {
      const annotation = ls.annotationStore.addAnnotation({ userGenerate: true });
      ls.annotationStore.selectAnnotation(annotation.id);
    },
    onSubmitAnnotation: (ls, annotation) => save('POST', '/api/tasks/' + task.id + '/annotations/',
      { result: annotation.serializeAnnotation(), lead_time: leadTime() }),
    onUpdateAnnotation: (ls, annotation) => save('PATCH', '/api/annotations/' + annotation.pk + '/',
      { result: annotation.serializeAnnotation(), lead_time: leadTime() }),
    onSkipTask: () => save('POST', '/api/tasks/' + task.id + '/annotations/',
      { result: [], was_cancelled: true, lead_time: leadTime() }),
  });
}

// Saves, then moves on to the next unlabeled task.
async function save(method, path, body) {
  try {
    await api(path, { method, body: JSON.stringify(body) });
    say('Saved. Loading the next task…');
    location.reload();
  } catch (error) {
    say('Not saved: ' + error.message);
  }
}

start().catch((error) => say('Error: ' + error.message));
