// Words for django-otp-webauthn's scripts (they call gettext, which Django's JavaScript
// catalogue would define), in plain English; and, once a passkey is added, the page again
// so the list shows it. Loaded before the library's module script.
(function () {
  "use strict";
  var words = {
    "Verifying...": "Checking your passkey",
    "Finishing verification...": "Checking your passkey",
    "Verification successful!": "Your passkey was checked",
    "Verification aborted.": "You stopped using your passkey. Try again",
    "Verification canceled or not allowed.": "Your passkey was not used. Try again",
    "Verification failed. An unknown error occurred.": "Your passkey could not be checked. Try again",
    "Verification failed. Could not retrieve parameters from the server.": "Something went wrong. Try again",
    "Verification failed. An unknown server error occurred.": "Something went wrong. Try again",
    "An error occurred during verification.": "Your passkey could not be checked. Try again",
    "Registering...": "Adding your passkey",
    "Finishing registration...": "Adding your passkey",
    "Registration successful!": "You added a passkey",
    "Registration aborted.": "You stopped adding a passkey. Try again",
    "Registration aborted or not allowed.": "The passkey was not added. Try again",
    "Registration failed. You most likely already have a Passkey registered for this site.": "You already have a passkey for NHS login on this device",
    "Registration failed. A technical problem occurred that prevents you from registering a Passkey for this site.": "A passkey cannot be added on this device",
    "Registration failed. An unknown error occurred.": "The passkey could not be added. Try again",
    "Registration failed. Unable to fetch registration options from server.": "Something went wrong. Try again",
    "Registration failed. The server was unable to verify this passkey.": "The passkey could not be added. Try again",
    "Registration failed. A server error occurred.": "Something went wrong. Try again",
    "An error occurred during registration.": "The passkey could not be added. Try again",
  };
  window.gettext = function (text) {
    return words[text] || text;
  };
  document.addEventListener("otp_webauthn.register_complete", function () {
    window.location.assign(window.location.pathname);
  });
})();
