// The classic Streamlit component protocol (postMessage with the host page), written out here
// because streamlit-component-lib pins React 16.

const send = (type, data = {}) =>
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");

export function onRender(callback) {
  window.addEventListener("message", (event) => {
    if (event.data && event.data.type === "streamlit:render") callback(event.data.args || {});
  });
  send("streamlit:componentReady", { apiVersion: 1 });
}

export function setValue(value) {
  send("streamlit:setComponentValue", { value, dataType: "json" });
}

export function setFrameHeight(height) {
  send("streamlit:setFrameHeight", { height });
}
