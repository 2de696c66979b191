// The district studio page: the form becomes a district.yaml, the server renders it.
// Plain JavaScript, no libraries. Every text from the server or the user is put into the page
// with textContent, never as HTML.
"use strict";

(function () {
  const PREVIEW_DELAY_MS = 900; // after the last keystroke
  const MAX_LOGO_BYTES = 5 * 1024 * 1024;
  const MAX_SIGNERS = 6;
  const AA_TEXT = 4.5;
  const DEFAULT_PRIMARY = "#1f2a5a";
  const HEX = /^#[0-9a-fA-F]{6}$/;

  const $ = (id) => document.getElementById(id);
  const form = $("studio-form");
  const logoInput = $("f-logo");
  const signerList = $("signer-list");
  let slugEdited = false;
  let previewTimer = null;
  let previewSeq = 0;
  let previewAbort = null;
  let retryTimer = null;

  // ---- Colour contrast: the same formulas as portrait/inputs/colors.py (WCAG 2.1) ----

  function parseHex(color) {
    return [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  }
  // Python's round(): halves go to the even neighbour.
  function roundHalfEven(x) {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }
  function toHex(rgb) {
    return "#" + rgb.map((c) => Math.max(0, Math.min(255, roundHalfEven(c))).toString(16).padStart(2, "0")).join("");
  }
  function luminance(color) {
    const [r, g, b] = parseHex(color).map((channel) => {
      const c = channel / 255;
      return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function contrast(a, b) {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }
  const mod1 = (x) => ((x % 1) + 1) % 1;
  // colorsys.rgb_to_hls and hls_to_rgb
  function rgbToHls(r, g, b) {
    const maxc = Math.max(r, g, b), minc = Math.min(r, g, b);
    const sumc = maxc + minc, rangec = maxc - minc, l = sumc / 2;
    if (minc === maxc) return [0, l, 0];
    const s = l <= 0.5 ? rangec / sumc : rangec / (2 - maxc - minc);
    const rc = (maxc - r) / rangec, gc = (maxc - g) / rangec, bc = (maxc - b) / rangec;
    let h;
    if (r === maxc) h = bc - gc;
    else if (g === maxc) h = 2 + rc - bc;
    else h = 4 + gc - rc;
    return [mod1(h / 6), l, s];
  }
  function hueValue(m1, m2, hue) {
    hue = mod1(hue);
    if (hue < 1 / 6) return m1 + (m2 - m1) * hue * 6;
    if (hue < 0.5) return m2;
    if (hue < 2 / 3) return m1 + (m2 - m1) * (2 / 3 - hue) * 6;
    return m1;
  }
  function hlsToRgb(h, l, s) {
    if (s === 0) return [l, l, l];
    const m2 = l <= 0.5 ? l * (1 + s) : l + s - l * s;
    const m1 = 2 * l - m2;
    return [hueValue(m1, m2, h + 1 / 3), hueValue(m1, m2, h), hueValue(m1, m2, h - 1 / 3)];
  }
  // The lightest darker shade of the same hue that reaches `ratio` on `against`.
  function darkenUntil(color, against, ratio) {
    if (contrast(color, against) >= ratio) return color;
    const [r, g, b] = parseHex(color).map((c) => c / 255);
    const [hue, lightness, saturation] = rgbToHls(r, g, b);
    const shade = (light) => toHex(hlsToRgb(hue, light, saturation).map((c) => c * 255));
    let low = 0, high = lightness;
    for (let i = 0; i < 30; i++) {
      const mid = (low + high) / 2;
      if (contrast(shade(mid), against) >= ratio) low = mid;
      else high = mid;
    }
    return shade(low);
  }
  window.portraitColors = { contrast, darkenUntil }; // the browser test compares with Python

  function showContrast(which) {
    const text = $("f-" + which);
    const out = $("f-" + which + "-contrast");
    const picker = $("f-" + which + "-picker");
    const value = text.value.trim();
    out.replaceChildren();
    if (!value) {
      if (which === "primary") out.append(swatchLine(DEFAULT_PRIMARY, "The Portrait's navy is used: contrast " + ratio(DEFAULT_PRIMARY) + " on white."));
      return;
    }
    if (!HEX.test(value)) {
      out.append(line("Write the colour as # and six hexadecimal digits, e.g. #1b4f9c."));
      return;
    }
    const color = value.toLowerCase();
    picker.value = color;
    const given = contrast(color, "#ffffff");
    if (which === "secondary") {
      out.append(swatchLine(color, "Contrast " + ratio(color) + " on white. It only decorates, so any colour will do."));
      return;
    }
    if (given >= AA_TEXT) {
      out.append(swatchLine(color, "Contrast " + ratio(color) + " on white: passes WCAG AA (4.5:1). Text uses this colour as it is."));
    } else {
      const shade = darkenUntil(color, "#ffffff", AA_TEXT);
      out.append(swatchLine(color, "Contrast " + ratio(color) + " on white: below 4.5:1, so text does not use it. Rings, bands and circles do."));
      const shadeLine = swatchLine(shade, "Text uses the darker shade " + shade + " (" + ratio(shade) + ").");
      shadeLine.classList.add("shade");
      shadeLine.dataset.shade = shade;
      out.append(shadeLine);
    }
  }
  function ratio(color) {
    return contrast(color, "#ffffff").toFixed(2) + ":1";
  }
  function line(text) {
    const p = document.createElement("span");
    p.className = "contrast-line";
    p.textContent = text;
    return p;
  }
  function swatchLine(color, text) {
    const p = line("");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.backgroundColor = color;
    swatch.setAttribute("aria-hidden", "true");
    p.append(swatch, document.createTextNode(text));
    return p;
  }

  // ---- Signers ----

  function addSigner(values) {
    if (signerList.children.length >= MAX_SIGNERS) return null;
    const item = $("signer-template").content.firstElementChild.cloneNode(true);
    signerList.append(item);
    if (values) {
      item.querySelector('[data-part="name"]').value = values.name || "";
      item.querySelector('[data-part="role"]').value = values.role || "";
    }
    item.querySelector(".remove-signer").addEventListener("click", () => {
      const next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      numberSigners();
      (next ? next.querySelector("input") : $("add-signer")).focus();
      schedulePreview();
    });
    numberSigners();
    return item;
  }
  function numberSigners() {
    [...signerList.children].forEach((item, i) => {
      for (const part of ["name", "role"]) {
        const input = item.querySelector('[data-part="' + part + '"]');
        const label = item.querySelector('[data-for="' + part + '"]');
        input.id = "f-signer-" + i + "-" + part;
        input.dataset.field = "foreword.signed[" + i + "]." + part;
        label.htmlFor = input.id;
        label.textContent = (part === "name" ? "Name" : "Role") + " of signer " + (i + 1);
      }
      const remove = item.querySelector(".remove-signer");
      remove.textContent = "Remove signer " + (i + 1);
    });
    $("add-signer").disabled = signerList.children.length >= MAX_SIGNERS;
  }
  $("add-signer").addEventListener("click", () => {
    const item = addSigner();
    if (item) item.querySelector("input").focus();
  });

  // ---- district.yaml from the form ----

  // A JSON string is a valid YAML double-quoted scalar; U+2028/2029 are line breaks to YAML.
  function q(text) {
    return JSON.stringify(text).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  }
  const val = (id) => $(id).value.trim();

  function districtYaml() {
    const out = ["# District edition of the Portrait of a Leader, made in the district studio.",
      "# The format is described in README.md (\"District editions\")."];
    out.push("name: " + q(val("f-name")));
    for (const key of ["short_name", "state", "cover_line"]) {
      if (val("f-" + key)) out.push(key + ": " + q(val("f-" + key)));
    }
    const primary = val("f-primary"), secondary = val("f-secondary");
    if (primary || secondary) {
      out.push("colors:");
      if (primary) out.push("  primary: " + q(primary));
      if (secondary) out.push("  secondary: " + q(secondary));
    }
    const title = val("f-foreword-title");
    const body = $("f-foreword-body").value.replace(/\s+$/, "");
    const signers = [...signerList.children]
      .map((item) => ({
        name: item.querySelector('[data-part="name"]').value.trim(),
        role: item.querySelector('[data-part="role"]').value.trim(),
      }))
      .filter((s) => s.name || s.role);
    if (title || body.trim()) {
      out.push("foreword:");
      out.push("  title: " + q(title));
      if (body.trim() && !/^[ \t]/.test(body)) {
        out.push("  body: |");
        for (const l of body.split("\n")) out.push(l ? "    " + l : "");
      } else {
        out.push("  body: " + q(body));
      }
      if (signers.length) {
        out.push("  signed:");
        for (const s of signers) out.push("    - name: " + q(s.name), "      role: " + q(s.role));
      } else {
        out.push("  signed: []");
      }
      const lang = val("f-foreword-lang");
      if (lang) out.push("  lang: " + q(lang));
    }
    const website = val("f-website"), email = val("f-email");
    if (website || email) {
      out.push("contact:");
      if (website) out.push("  website: " + q(website));
      if (email) out.push("  email: " + q(email));
    }
    return out.join("\n") + "\n";
  }

  function formData() {
    const data = new FormData();
    data.append("district", districtYaml());
    const file = logoInput.files[0];
    if (file) data.append("logo", file, file.name);
    if (val("f-slug")) data.append("slug", val("f-slug"));
    return data;
  }

  // ---- Problems shown next to their fields ----

  function fieldFor(name) {
    let best = null, bestLength = -1;
    for (const el of form.querySelectorAll("[data-field]")) {
      const f = el.dataset.field;
      if ((name === f || name.startsWith(f + ".") || name.startsWith(f + "[")) && f.length > bestLength) {
        best = el;
        bestLength = f.length;
      }
    }
    if (best && best.tagName === "FIELDSET") best = $("add-signer");
    return best;
  }

  function clearProblems() {
    for (const p of form.querySelectorAll("p.error[data-generated]")) p.remove();
    for (const el of form.querySelectorAll("[aria-invalid]")) {
      el.removeAttribute("aria-invalid");
      const ids = (el.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && !id.endsWith("-problem"));
      el.setAttribute("aria-describedby", ids.join(" "));
    }
    $("f-open-error").hidden = true;
    $("error-list").replaceChildren();
    $("error-summary").hidden = true;
  }

  // The preview's pages, once shown, stay; while the form has a problem (or lacks the name or the
  // logo) they are dimmed and labelled out of date.
  function markPreviewStale(stale) {
    const pages = $("pages");
    const shown = pages.children.length > 0;
    pages.classList.toggle("stale", stale && shown);
    $("pages-stale").hidden = !(stale && shown);
  }

  function showProblems(problems, focusSummary) {
    clearProblems();
    if (problems.length) markPreviewStale(true);
    const list = $("error-list");
    problems.forEach((problem, i) => {
      const text = problem.message + (problem.fix ? " (" + problem.fix + ")" : "");
      const target = fieldFor(problem.field);
      const item = document.createElement("li");
      if (target) {
        const id = (target.id || "field") + "-problem-" + i;
        const p = document.createElement("p");
        p.className = "error";
        p.id = id;
        p.dataset.generated = "1";
        p.textContent = text;
        const where = target.closest(".field") || target.parentElement;
        where.append(p);
        target.setAttribute("aria-invalid", "true");
        const ids = (target.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        ids.push(id);
        target.setAttribute("aria-describedby", ids.join(" "));
        const link = document.createElement("a");
        link.href = "#" + target.id;
        link.textContent = labelOf(target) + ": " + text;
        link.addEventListener("click", (event) => {
          event.preventDefault();
          target.focus();
        });
        item.append(link);
      } else {
        item.textContent = (problem.field && problem.field !== "district" ? problem.field + ": " : "") + text;
      }
      list.append(item);
    });
    const summary = $("error-summary");
    summary.hidden = problems.length === 0;
    if (focusSummary && problems.length) summary.focus();
  }
  function labelOf(el) {
    if (el.id === "add-signer") return "Signed by";
    const label = el.id && form.querySelector('label[for="' + el.id + '"]');
    if (label) return label.textContent.replace("*", "").trim();
    return el.getAttribute("aria-label") || el.textContent.trim();
  }

  // ---- Live preview ----

  function ready() {
    return val("f-name") && logoInput.files.length > 0;
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    clearTimeout(retryTimer);
    if (!ready()) {
      markPreviewStale(true);
      setStatus("preview-status", "Fill in your district's name and choose a logo to see your edition.");
      return;
    }
    setStatus("preview-status", "Waiting for you to pause…");
    previewTimer = setTimeout(updatePreview, PREVIEW_DELAY_MS);
  }

  async function updatePreview() {
    if (!ready()) return;
    const seq = ++previewSeq;
    if (previewAbort) previewAbort.abort();
    previewAbort = new AbortController();
    setStatus("preview-status", "Updating the preview…", true);
    let response;
    try {
      response = await fetch("/api/previews", { method: "POST", body: formData(), signal: previewAbort.signal });
    } catch (error) {
      if (error.name !== "AbortError") setStatus("preview-status", "The studio cannot be reached. Check your connection; the preview will update when you next edit.");
      return;
    }
    if (seq !== previewSeq) return; // a newer request is on its way
    if (response.status === 429 || response.status === 503) {
      const wait = parseInt(response.headers.get("Retry-After") || "3", 10);
      setStatus("preview-status", "The studio is busy; trying again in " + wait + " s.", true);
      retryTimer = setTimeout(updatePreview, wait * 1000);
      return;
    }
    const body = await readJson(response);
    if (response.status === 200) {
      clearProblems();
      showPages(body);
      markPreviewStale(false);
      showNotices(body.notices || []);
      showPrintColors(body.print_colors || []);
      setStatus("preview-status", "Preview up to date: " + body.pages + " pages in your edition.");
    } else if (body.problems) {
      showProblems(body.problems, false);
      const n = body.problems.length;
      setStatus("preview-status", n === 1 ? "1 problem to fix, marked in the form." : n + " problems to fix, marked in the form.");
    } else {
      setStatus("preview-status", failure(response, body));
    }
  }

  function showPages(body) {
    window.PortraitPages.show($("pages"), body, previewSeq); // static/pages.js
  }

  function showNotices(notices) {
    const list = $("notices");
    list.replaceChildren();
    for (const notice of notices) {
      const item = document.createElement("li");
      item.textContent = notice;
      list.append(item);
    }
    list.hidden = notices.length === 0;
  }

  // Beside each colour field: the colour the print edition prints (through the press's profile).
  function showPrintColors(colors) {
    for (const key of ["primary", "secondary"]) {
      const out = $("f-" + key + "-print");
      const found = colors.find((c) => c.field === "colors." + key);
      out.replaceChildren();
      out.hidden = !found;
      if (!found) continue;
      const swatch = document.createElement("span");
      swatch.className = "print-swatch";
      swatch.style.background = found.print;
      swatch.setAttribute("aria-hidden", "true");
      out.append(swatch, "In print: " + found.print + " (" + found.cmyk + "), \u0394E00 " + found.delta_e.toFixed(1) +
        (found.delta_e > 2 ? " from your colour: outside the press's gamut" : " from your colour"));
    }
  }

  function setStatus(id, text, busy) {
    const el = $(id);
    el.textContent = text;
    el.classList.toggle("busy", Boolean(busy));
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch (error) {
      return {};
    }
  }

  function failure(response, body) {
    if (response.status === 413) return "The logo is too large: the limit is 5 MB. Export a smaller file.";
    if (body && body.request_id) return "Something went wrong in the studio (request " + body.request_id + "). Please try again; if it persists, quote this number.";
    return "Something went wrong (" + response.status + "). Please try again.";
  }

  // ---- Downloads ----

  async function download(kind, button) {
    const url = {
      screen: "/api/editions?variant=screen",
      print: "/api/editions?variant=print",
      web: "/api/editions?variant=web",
      epub: "/api/editions?variant=epub",
      folder: "/api/district-folder",
    }[kind];
    if (!val("f-name") || !logoInput.files.length) {
      const problems = [];
      if (!val("f-name")) problems.push({ field: "name", message: "Field required", fix: "fill in your district's name" });
      if (!logoInput.files.length) problems.push({ field: "logo", message: "Field required", fix: "choose your logo file" });
      showProblems(problems, true);
      return;
    }
    if (button.getAttribute("aria-disabled") === "true") return; // already making this file
    // aria-disabled, not disabled: a disabled button would drop the keyboard focus to the page.
    button.setAttribute("aria-disabled", "true");
    button.setAttribute("aria-busy", "true");
    setStatus("download-status", "Making your " + button.textContent.trim() + "…", true);
    try {
      const data = formData();
      // The screen PDF's standard: PDF/UA-1 unless asked (build --conformance ua2).
      if (kind === "screen" && document.getElementById("f-ua2").checked) data.append("conformance", "ua2");
      const response = await fetch(url, { method: "POST", body: data });
      if (response.status === 200) {
        const blob = await response.blob();
        const name = filenameOf(response) || "portrait-of-a-leader.pdf";
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = name;
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 60000);
        setStatus("download-status", "Downloaded " + name + ".");
      } else {
        const body = await readJson(response);
        if (response.status === 422 && body.problems) {
          showProblems(body.problems, true);
          setStatus("download-status", "Not made: fix the problems marked in the form.");
        } else if (response.status === 429 || response.status === 503) {
          setStatus("download-status", "The studio is busy. Please try again in " + (response.headers.get("Retry-After") || "a few") + " s.");
        } else {
          setStatus("download-status", failure(response, body));
        }
      }
    } catch (error) {
      setStatus("download-status", "The studio cannot be reached. Check your connection and try again.");
    } finally {
      button.removeAttribute("aria-disabled");
      button.removeAttribute("aria-busy");
    }
  }
  function filenameOf(response) {
    const header = response.headers.get("Content-Disposition") || "";
    const match = header.match(/filename="([^"]+)"/);
    return match ? match[1] : null;
  }
  $("download-screen").addEventListener("click", (e) => download("screen", e.currentTarget));
  $("download-print").addEventListener("click", (e) => download("print", e.currentTarget));
  $("download-web").addEventListener("click", (e) => download("web", e.currentTarget));
  $("download-epub").addEventListener("click", (e) => download("epub", e.currentTarget));
  $("download-folder").addEventListener("click", (e) => download("folder", e.currentTarget));

  // ---- Opening a district folder ----

  $("f-open").addEventListener("change", async (event) => {
    const files = [...event.target.files];
    if (!files.length) return;
    const data = new FormData();
    const zip = files.find((f) => /\.zip$/i.test(f.name));
    const yaml = files.find((f) => /\.ya?ml$/i.test(f.name));
    const logo = files.find((f) => /\.(svg|png|jpe?g)$/i.test(f.name));
    if (zip) data.append("folder", zip, zip.name);
    else if (yaml) {
      data.append("district", yaml, yaml.name);
      if (logo) data.append("logo", logo, logo.name);
    } else {
      openError("Choose the zip the studio made, or a district.yaml and its logo.");
      return;
    }
    const response = await fetch("/api/open", { method: "POST", body: data });
    const body = await readJson(response);
    if (response.status !== 200) {
      openError(response.status === 413 ? "The file is too large (the limit is 5 MB)." : failure(response, body));
      return;
    }
    fill(body);
    if (body.problems && body.problems.length) showProblems(body.problems, true);
    else {
      clearProblems();
      $("f-name").focus();
    }
    schedulePreview();
  });
  function openError(text) {
    const p = $("f-open-error");
    p.textContent = text;
    p.hidden = false;
  }

  function fill(opened) {
    const d = opened.district || {};
    const text = (v) => (typeof v === "string" || typeof v === "number" ? String(v) : "");
    $("f-name").value = text(d.name);
    $("f-short_name").value = text(d.short_name);
    $("f-state").value = text(d.state);
    $("f-cover_line").value = text(d.cover_line);
    const colors = d.colors || {};
    $("f-primary").value = text(colors.primary);
    $("f-secondary").value = text(colors.secondary);
    const foreword = d.foreword || {};
    $("f-foreword-title").value = text(foreword.title);
    $("f-foreword-body").value = text(foreword.body).replace(/\n$/, "");
    $("f-foreword-lang").value = text(foreword.lang);
    signerList.replaceChildren();
    const signed = Array.isArray(foreword.signed) ? foreword.signed : [];
    for (const s of signed.slice(0, MAX_SIGNERS)) addSigner({ name: text(s && s.name), role: text(s && s.role) });
    if (!signed.length) addSigner();
    const contact = d.contact || {};
    $("f-website").value = text(contact.website);
    $("f-email").value = text(contact.email);
    if (opened.slug) {
      $("f-slug").value = opened.slug;
      slugEdited = false;
    }
    if (opened.logo) {
      const bytes = Uint8Array.from(atob(opened.logo.data), (c) => c.charCodeAt(0));
      const file = new File([bytes], opened.logo.filename, { type: opened.logo.type });
      const transfer = new DataTransfer();
      transfer.items.add(file);
      logoInput.files = transfer.files;
      showLogo();
    }
    showContrast("primary");
    showContrast("secondary");
    updateCount();
  }

  // ---- Small things that follow the fields ----

  function slugFrom(name) {
    const ascii = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^\x00-\x7f]/g, "");
    let slug = ascii.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    while (slug.length > 60) slug = slug.slice(0, 60).includes("-") ? slug.slice(0, 60).replace(/-[^-]*$/, "") : slug.slice(0, 60);
    return slug;
  }
  function followName() {
    if (!slugEdited) $("f-slug").value = slugFrom(val("f-short_name") || val("f-name"));
  }
  $("f-slug").addEventListener("input", () => {
    slugEdited = $("f-slug").value.trim() !== "";
  });

  function showLogo() {
    const file = logoInput.files[0];
    const box = $("logo-preview");
    const img = $("logo-img");
    if (img.src) URL.revokeObjectURL(img.src);
    if (!file) {
      box.hidden = true;
      return;
    }
    img.src = URL.createObjectURL(file);
    img.alt = "Your logo, as chosen";
    box.hidden = false;
  }
  logoInput.addEventListener("change", () => {
    const file = logoInput.files[0];
    clearProblems();
    if (file && file.size > MAX_LOGO_BYTES) {
      showProblems([{ field: "logo", message: "the logo is " + (file.size / 1024 / 1024).toFixed(1) + " MB; the limit is 5 MB", fix: "export a smaller file" }], false);
      logoInput.value = "";
    } else if (file && !/\.(svg|png|jpe?g)$/i.test(file.name)) {
      showProblems([{ field: "logo", message: "`" + file.name + "` is not an SVG, PNG or JPEG file", fix: "export the logo as SVG, PNG or JPEG" }], false);
      logoInput.value = "";
    }
    showLogo();
    schedulePreview();
  });

  function updateCount() {
    const n = $("f-foreword-body").value.length;
    $("f-foreword-body-count").textContent = n.toLocaleString("en-US") + " of 6,000 characters";
  }
  $("f-foreword-body").addEventListener("input", updateCount);

  for (const which of ["primary", "secondary"]) {
    $("f-" + which + "-picker").addEventListener("input", (event) => {
      $("f-" + which).value = event.target.value;
      showContrast(which);
      schedulePreview();
    });
    $("f-" + which).addEventListener("input", () => showContrast(which));
  }
  $("f-name").addEventListener("input", followName);
  $("f-short_name").addEventListener("input", followName);

  form.addEventListener("input", (event) => {
    if (event.target !== logoInput && event.target.id !== "f-open") schedulePreview();
  });
  form.addEventListener("submit", (event) => event.preventDefault());

  addSigner();
  showContrast("primary");
  showContrast("secondary");
  updateCount();
})();
