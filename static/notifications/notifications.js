// Email reader: grow the message frame to the email's height so the page scrolls, not the frame.
document.querySelectorAll("iframe.email-frame").forEach((frame) => {
  const fit = () => {
    const doc = frame.contentDocument;
    if (!doc || !doc.body) return;
    // Shrink first: a document is never shorter than the frame showing it.
    frame.style.height = "1px";
    frame.style.height = `${doc.documentElement.scrollHeight + 2}px`;
  };
  frame.addEventListener("load", fit);
  if (frame.contentDocument && frame.contentDocument.readyState === "complete") fit();
});
