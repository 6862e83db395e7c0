// Photo ID journey: small enhancements only. Every page works without this file, through
// the plain file inputs (which open the camera on phones via the `capture` attribute).
(function () {
  "use strict";

  // A preview of a chosen photo, so the patient can see it is clear before sending it.
  // NHS.UK's file upload component moves the field's id to its own button: find inputs by name.
  function fileInput(name) {
    return document.querySelector('input[type="file"][name="' + name + '"]');
  }

  function previewFor(name, imgId) {
    var input = fileInput(name);
    var img = document.getElementById(imgId);
    if (!input || !img || !window.URL) return;
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file || file.type.indexOf("image/") !== 0) {
        img.hidden = true;
        return;
      }
      img.src = URL.createObjectURL(file);
      img.hidden = false;
    });
  }
  previewFor("front", "front-preview");
  previewFor("back", "back-preview");
  previewFor("face", "face-preview");

  // Recording the video in the page with MediaRecorder; the recording is put into the file
  // input, so the form sends it the same way as a chosen file.
  var recorder = document.getElementById("recorder");
  var input = fileInput("video");
  if (!recorder || !input || !window.MediaRecorder || !navigator.mediaDevices ||
      typeof DataTransfer === "undefined") {
    return;
  }
  var button = document.getElementById("record-button");
  var preview = document.getElementById("recorder-preview");
  var status = document.getElementById("recorder-status");
  var types = ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm", "video/mp4"];
  var mimeType = types.filter(function (t) { return MediaRecorder.isTypeSupported(t); })[0] || "";
  var stream = null;
  var media = null;
  var chunks = [];
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
        chunks = [];
        media = new MediaRecorder(s, mimeType ? { mimeType: mimeType } : undefined);
        media.ondataavailable = function (e) { if (e.data && e.data.size) chunks.push(e.data); };
        media.onstop = function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          var type = media.mimeType || "video/webm";
          var name = type.indexOf("mp4") >= 0 ? "video.mp4" : "video.webm";
          var file = new File(chunks, name, { type: type });
          var transfer = new DataTransfer();
          transfer.items.add(file);
          input.files = transfer.files;
          input.dispatchEvent(new Event("change", { bubbles: true }));
          button.textContent = "Record again";
          status.textContent = "Your video is ready. Select Continue to use it.";
        };
        media.start(500);
        button.textContent = "Stop recording";
        status.textContent = "Recording. Show the 4 numbers, then select Stop recording.";
        setTimeout(stop, 30000);
      })
      .catch(function () {
        status.textContent = "We could not use your camera. Choose a video file instead.";
      });
  });
})();
