// The local chat page: posts what the person sends, long-polls what the bot shows.
"use strict";
const log = document.getElementById("log");
const statusLine = document.getElementById("status");
const shown = new Map();   // message id -> element (edits replace the element's content)
let after = 0;

function say(text) { statusLine.textContent = text || ""; }

function render(m) {
  let el = shown.get(m.id);
  if (!el) {
    el = document.createElement("div");
    el.className = "msg " + (m.from === "me" ? "me" : "bot");
    el.dataset.id = m.id;
    log.appendChild(el);
    shown.set(m.id, el);
  }
  el.textContent = m.text || "";
  if (m.image) { const img = document.createElement("img"); img.src = m.image.url; img.alt = m.image.name; el.appendChild(img); }
  if (m.file) { const a = document.createElement("a"); a.href = m.file.url; a.download = m.file.name; a.textContent = "\n📎 " + m.file.name; el.appendChild(a); }
  if (m.buttons && m.buttons.length) {
    const box = document.createElement("div");
    box.className = "buttons";
    for (const row of m.buttons) for (const b of row) {
      const btn = document.createElement("button");
      btn.textContent = b.text;
      btn.onclick = () => { box.querySelectorAll("button").forEach(x => x.disabled = true); post({action: b.data, reply_to: m.id}); };
      box.appendChild(btn);
    }
    el.appendChild(box);
  }
  log.scrollTop = log.scrollHeight;
}

async function post(fields, file) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v) form.append(k, v);
  form.append("client_id", (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()));
  if (file) form.append(file.field, file.blob, file.name);
  say("发送中…");
  try {
    const r = await fetch("/chat/send", {method: "POST", body: form});
    const body = await r.json();
    say(r.ok ? "" : (body.error || "发送失败"));
    // A stranger's answer comes back here (the server keeps nothing of it).
    for (const m of body.replies || []) render({...m, id: "r" + Math.random()});
  } catch (e) { say("网络错误，请重试"); }
}

async function poll() {
  for (;;) {
    try {
      const r = await fetch("/chat/updates?after=" + after);
      const body = await r.json();
      for (const m of body.messages || []) { after = Math.max(after, m.seq); render(m); }
    } catch (e) { await new Promise(ok => setTimeout(ok, 2000)); }
  }
}

async function whoami() {
  const me = await (await fetch("/chat/me")).json();
  const who = document.getElementById("who");
  if (me.demo) {
    const sel = document.getElementById("member");
    sel.innerHTML = "";
    for (const a of me.accounts) { const o = new Option(a.label, a.id); o.selected = a.id === me.account; sel.add(o); }
    document.getElementById("switcher").hidden = false;
    sel.onchange = async () => {
      await fetch("/chat/switch", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({account: sel.value})});
      location.reload();
    };
  } else {
    document.getElementById("join").hidden = !!me.member;
  }
  who.textContent = me.member ? me.member.name + "（" + me.member.role_label + "）" : "未加入";
}

document.getElementById("compose").onsubmit = (e) => {
  e.preventDefault();
  const input = document.getElementById("text");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  post({text});
};

document.getElementById("join-form").onsubmit = async (e) => {
  e.preventDefault();
  const code = document.getElementById("code").value.trim();
  if (!code) return;
  await post({text: "加入 " + code});
  setTimeout(whoami, 800);
};

// A file goes with what is typed in the box as its caption (图片 + 一句说明).
document.getElementById("upload").onchange = (e) => {
  const f = e.target.files[0];
  const input = document.getElementById("text");
  if (f) { post({text: input.value.trim()}, {field: "file", blob: f, name: f.name}); input.value = ""; }
  e.target.value = "";
};

// Hold to talk: MediaRecorder records WebM/Opus while the button is held.
const talk = document.getElementById("talk");
let recorder = null, chunks = [], holding = false;
async function startTalk(e) {
  e.preventDefault();
  holding = true;
  if (recorder) return;
  if (!navigator.mediaDevices || !window.MediaRecorder) { say("这个浏览器不能录音，请上传录音文件"); return; }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({audio: true});
    const type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus") ? "audio/webm;codecs=opus" : "";
    recorder = new MediaRecorder(stream, type ? {mimeType: type} : {});
    chunks = [];
    recorder.ondataavailable = (ev) => { if (ev.data.size) chunks.push(ev.data); };
    recorder.onstop = () => {
      stream.getTracks().forEach(t => t.stop());
      const blob = new Blob(chunks, {type: recorder.mimeType || "audio/webm"});
      recorder = null;
      talk.classList.remove("recording");
      if (blob.size) post({}, {field: "voice", blob, name: "voice.webm"});
    };
    recorder.start();
    talk.classList.add("recording");
    say("录音中…松开发送");
    if (!holding) stopTalk();   // released while the microphone was being opened
  } catch (err) { say("无法使用麦克风：" + err.message); recorder = null; }
}
function stopTalk() {
  holding = false;
  if (recorder && recorder.state === "recording") { recorder.stop(); say(""); }
}
talk.addEventListener("pointerdown", startTalk);
talk.addEventListener("pointerup", stopTalk);
talk.addEventListener("pointerleave", stopTalk);
talk.addEventListener("pointercancel", stopTalk);

whoami().then(poll);
