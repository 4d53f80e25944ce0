/* USB-KEY in the browser (docs/usb-key.md).
 * Two kinds of key, one payload format (csdp/keys/verify.py):
 *  - WebAuthn / FIDO2 security key (production): navigator.credentials.create/get, user verification required.
 *  - Software key (demo and tests only): WebCrypto ECDSA P-256 generated NON-extractable; the CryptoKey
 *    object is kept in IndexedDB ("csdp-keys"); only the public key (SPKI) is ever exported.
 * The key signs the server challenge SHA-256(nonce ‖ digest) given in data attributes.
 */
(function () {
  "use strict";
  if (window.csdpKeys) return;

  function b64uEncode(buffer) {
    const bytes = new Uint8Array(buffer);
    let text = "";
    for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function b64uDecode(text) {
    const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    const raw = atob(padded);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  const DB_NAME = "csdp-keys";
  const STORE = "keys";
  function openDb() {
    return new Promise(function (resolve, reject) {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  async function storeKey(id, privateKey) {
    const db = await openDb();
    return new Promise(function (resolve, reject) {
      const tx = db.transaction(STORE, "readwrite");
      tx.objectStore(STORE).put(privateKey, id);
      tx.oncomplete = function () { resolve(); };
      tx.onerror = function () { reject(tx.error); };
    });
  }
  async function loadKey(id) {
    const db = await openDb();
    return new Promise(function (resolve, reject) {
      const request = db.transaction(STORE, "readonly").objectStore(STORE).get(id);
      request.onsuccess = function () { resolve(request.result || null); };
      request.onerror = function () { reject(request.error); };
    });
  }

  const ECDSA_SIGN = { name: "ECDSA", hash: "SHA-256" };

  async function softwareCreate(challenge) {
    const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    const id = b64uEncode(crypto.getRandomValues(new Uint8Array(16)));
    await storeKey(id, pair.privateKey);
    const spki = await crypto.subtle.exportKey("spki", pair.publicKey);
    const proof = await crypto.subtle.sign(ECDSA_SIGN, pair.privateKey, b64uDecode(challenge));
    return { kind: "software", credential_id: id, public_key: b64uEncode(spki), signature: b64uEncode(proof) };
  }

  async function softwareSign(credentialId, challenge) {
    const key = await loadKey(credentialId);
    if (!key) throw new Error("本浏览器中没有找到您的软件密钥（软件密钥只保存在启用它的浏览器中）。");
    const signature = await crypto.subtle.sign(ECDSA_SIGN, key, b64uDecode(challenge));
    return { kind: "software", credential_id: credentialId, signature: b64uEncode(signature) };
  }

  async function webauthnCreate(options) {
    const publicKey = Object.assign({}, options, {
      challenge: b64uDecode(options.challenge),
      user: Object.assign({}, options.user, { id: b64uDecode(options.user.id) }),
      excludeCredentials: (options.excludeCredentials || []).map(function (c) {
        return Object.assign({}, c, { id: b64uDecode(c.id) });
      }),
    });
    const credential = await navigator.credentials.create({ publicKey: publicKey });
    const response = credential.response;
    return {
      kind: "webauthn",
      credential: {
        id: credential.id,
        rawId: b64uEncode(credential.rawId),
        type: credential.type,
        response: {
          clientDataJSON: b64uEncode(response.clientDataJSON),
          attestationObject: b64uEncode(response.attestationObject),
          transports: response.getTransports ? response.getTransports() : [],
        },
        clientExtensionResults: credential.getClientExtensionResults(),
        authenticatorAttachment: credential.authenticatorAttachment || null,
      },
    };
  }

  async function webauthnSign(credentialId, challenge) {
    const credential = await navigator.credentials.get({
      publicKey: {
        challenge: b64uDecode(challenge),
        allowCredentials: [{ type: "public-key", id: b64uDecode(credentialId) }],
        userVerification: "required",
        timeout: 120000,
      },
    });
    const response = credential.response;
    return {
      kind: "webauthn",
      credential: {
        id: credential.id,
        rawId: b64uEncode(credential.rawId),
        type: credential.type,
        response: {
          authenticatorData: b64uEncode(response.authenticatorData),
          clientDataJSON: b64uEncode(response.clientDataJSON),
          signature: b64uEncode(response.signature),
          userHandle: response.userHandle ? b64uEncode(response.userHandle) : null,
        },
        clientExtensionResults: credential.getClientExtensionResults(),
        authenticatorAttachment: credential.authenticatorAttachment || null,
      },
    };
  }

  async function signPayload(field) {
    const d = field.dataset;
    const signed = d.kind === "webauthn"
      ? await webauthnSign(d.credentialId, d.challenge)
      : await softwareSign(d.credentialId, d.challenge);
    return JSON.stringify(Object.assign({ v: 1, challenge_id: parseInt(d.challengeId, 10) }, signed));
  }

  function say(form, text, isError) {
    const status = form.querySelector("[data-csdp-sign-status]");
    if (!status) return;
    status.textContent = text;
    status.className = isError ? "msg error" : "msg";
  }

  // Any form holding the sign field is signed on submit, then submitted for real.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const field = form.querySelector && form.querySelector("input[data-csdp-sign]");
    if (!field || field.value) return;
    event.preventDefault();
    const submitter = event.submitter;
    say(form, "正在请求 USB-KEY 签名……", false);
    signPayload(field).then(function (payload) {
      field.value = payload;
      say(form, "已签名，正在提交……", false);
      if (form.requestSubmit) form.requestSubmit(submitter || undefined); else form.submit();
    }).catch(function (error) {
      say(form, "USB-KEY 签名未完成：" + (error && error.message ? error.message : error), true);
    });
  }, true);

  // The enrolment page: one button per kind of key.
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-csdp-enrol]");
    if (!button) return;
    event.preventDefault();
    const form = button.closest("form");
    const box = document.getElementById("csdp-enrol");
    say(form, "正在生成密钥……", false);
    const work = button.dataset.csdpEnrol === "webauthn"
      ? webauthnCreate(JSON.parse(box.dataset.webauthnOptions))
      : softwareCreate(box.dataset.challenge);
    work.then(function (result) {
      form.querySelector("input[name=registration]").value = JSON.stringify(result);
      form.submit();
    }).catch(function (error) {
      say(form, "启用未完成：" + (error && error.message ? error.message : error), true);
    });
  });

  window.csdpKeys = { softwareCreate: softwareCreate, softwareSign: softwareSign, loadKey: loadKey };
})();
