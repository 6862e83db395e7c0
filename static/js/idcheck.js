// Photo ID journey: enhancements. Every page works without this file, through the plain file
// inputs (which open the camera on phones via the `capture` attribute), except the face scan,
// which needs a live camera: without one its page offers the video route instead.
// Nothing here flashes or flickers (safe for photosensitive epilepsy).
(function () {
  "use strict";

  // NHS.UK's file upload component moves the field's id to its own button: find inputs by name.
  function fileInput(name) {
    return document.querySelector('input[type="file"][name="' + name + '"]');
  }

  var canRecord = !!(window.MediaRecorder && navigator.mediaDevices &&
    navigator.mediaDevices.getUserMedia && typeof DataTransfer !== "undefined");
  var types = ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm", "video/mp4"];
  var videoOnly = ["video/webm;codecs=vp8", "video/webm;codecs=vp9", "video/webm", "video/mp4"];

  function supported(list) {
    return list.filter(function (t) { return MediaRecorder.isTypeSupported(t); })[0] || "";
  }

  // Put a recorded or captured file into a file input, as if the patient had chosen it.
  function putFile(input, blob, name) {
    var transfer = new DataTransfer();
    transfer.items.add(new File([blob], name, { type: blob.type }));
    input.programmatic = true;
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.programmatic = false;
  }

  function fileName(type) {
    return type.indexOf("mp4") >= 0 ? "clip.mp4" : "clip.webm";
  }

  // Record `ms` milliseconds of a stream; `done(blob)` gets the recording.
  function record(stream, mimeType, ms, bitsPerSecond, done) {
    var chunks = [];
    var options = mimeType ? { mimeType: mimeType } : {};
    if (bitsPerSecond) options.videoBitsPerSecond = bitsPerSecond;
    var media = new MediaRecorder(stream, options);
    media.ondataavailable = function (e) { if (e.data && e.data.size) chunks.push(e.data); };
    media.onstop = function () {
      done(new Blob(chunks, { type: media.mimeType || mimeType || "video/webm" }));
    };
    media.start(250);
    setTimeout(function () { if (media.state !== "inactive") media.stop(); }, ms);
    return media;
  }

  // A preview of a chosen photo, so the patient can see it is clear before sending it.
  function previewFor(name, imgId, onUserChoice) {
    var input = fileInput(name);
    var img = document.getElementById(imgId);
    if (!input || !img || !window.URL) return;
    input.addEventListener("change", function () {
      if (!input.programmatic && onUserChoice) onUserChoice();
      var file = input.files && input.files[0];
      if (!file || file.type.indexOf("image/") !== 0) {
        img.hidden = true;
        return;
      }
      img.src = URL.createObjectURL(file);
      img.hidden = false;
    });
  }

  // --- the document: the camera step films it for 3 seconds, then takes the photo -----------
  function documentCamera() {
    var box = document.getElementById("document-camera");
    var photoInput = fileInput("front");
    var clipInput = document.getElementById("front-clip");
    if (!box || !photoInput || !clipInput) return;
    // A photo chosen from a file afterwards is not the one filmed: drop the clip.
    previewFor("front", "front-preview", function () { clipInput.value = ""; });
    if (!canRecord) return;
    var button = document.getElementById("document-button");
    var preview = document.getElementById("document-preview");
    var status = document.getElementById("document-status");
    var stream = null;
    box.hidden = false;

    function start() {
      return navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment", width: { ideal: 1920 }, height: { ideal: 1080 } },
        audio: false
      }).then(function (s) {
        stream = s;
        preview.srcObject = s;
        return preview.play();
      });
    }

    function capture() {
      button.disabled = true;
      status.textContent = "Keep still. Taking the photo.";
      record(stream, supported(videoOnly), 3000, 8000000, function (clip) {
        var canvas = document.createElement("canvas");
        canvas.width = preview.videoWidth;
        canvas.height = preview.videoHeight;
        canvas.getContext("2d").drawImage(preview, 0, 0);
        canvas.toBlob(function (photo) {
          putFile(photoInput, photo, "photo.jpg");
          putFile(clipInput, clip, fileName(clip.type));
          button.disabled = false;
          button.textContent = "Take the photo again";
          status.textContent = "Your photo is ready. Check it is clear, then select Continue.";
        }, "image/jpeg", 0.95);
      });
    }

    button.addEventListener("click", function () {
      if (stream) {
        capture();
        return;
      }
      start().then(function () {
        button.textContent = "Take photo";
        status.textContent = "Hold your ID in view, then select Take photo.";
      }).catch(function () {
        box.hidden = true;
        status.textContent = "";
      });
    });
  }

  // --- the face scan: 4 seconds of the patient's face, doing the prompt --------------------
  function faceScan() {
    var box = document.getElementById("face-capture");
    var noCamera = document.getElementById("face-no-camera");
    var input = fileInput("face");
    if (!box || !noCamera || !input || !canRecord) return;
    var button = document.getElementById("face-button");
    var preview = document.getElementById("face-preview");
    var status = document.getElementById("face-status");
    var prompt = document.getElementById("liveness-prompt").textContent;
    box.hidden = false;
    noCamera.hidden = true;

    button.addEventListener("click", function () {
      button.disabled = true;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false })
        .then(function (stream) {
          preview.srcObject = stream;
          preview.hidden = false;
          preview.play();
          status.textContent = "Look at the camera.";
          setTimeout(function () { status.textContent = prompt + ", then look back."; }, 1000);
          record(stream, supported(videoOnly), 4000, 2500000, function (clip) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            putFile(input, clip, fileName(clip.type));
            button.disabled = false;
            button.textContent = "Record the face scan again";
            status.textContent = "Your face scan is ready. Select Continue to use it.";
          });
        })
        .catch(function () {
          button.disabled = false;
          box.hidden = true;
          noCamera.hidden = false;
        });
    });
  }

  // --- the video route: recorded in the page, put into the same file input ------------------
  function videoRecorder() {
    var recorder = document.getElementById("recorder");
    var input = fileInput("video");
    if (!recorder || !input || !canRecord) return;
    var button = document.getElementById("record-button");
    var preview = document.getElementById("recorder-preview");
    var status = document.getElementById("recorder-status");
    var mimeType = supported(types);
    var stream = null;
    var media = null;
    recorder.hidden = false;

    function stop() {
      if (media && media.state !== "inactive") media.stop();
    }

    button.addEventListener("click", function () {
      if (media && media.state === "recording") {
        stop();
        return;
      }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: true })
        .then(function (s) {
          stream = s;
          preview.srcObject = s;
          preview.hidden = false;
          preview.play();
          media = record(s, mimeType, 30000, 0, function (clip) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            putFile(input, clip, fileName(clip.type));
            button.textContent = "Record again";
            status.textContent = "Your video is ready. Select Continue to use it.";
          });
          button.textContent = "Stop recording";
          status.textContent = "Recording. Show the 4 numbers, then select Stop recording.";
        })
        .catch(function () {
          status.textContent = "We could not use your camera. Choose a video file instead.";
        });
    });
  }

  previewFor("back", "back-preview");
  documentCamera();
  faceScan();
  videoRecorder();
})();
