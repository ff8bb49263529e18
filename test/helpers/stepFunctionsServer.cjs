// Runs stepfunctions-local in this process, listening on 127.0.0.1 only,
// and reports its port to the parent over IPC. stepfunctions-local's
// start() listens on every interface and takes no host, so listen() is
// wrapped to pass the loopback host.
const net = require("node:net");

const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const callback = args.find((arg) => typeof arg === "function");
  return originalListen.call(this, Number(process.env.SFN_PORT || 0), "127.0.0.1", () => {
    process.send?.({ port: this.address().port });
    callback?.();
  });
};

require("stepfunctions-local").start({ port: 0, region: "us-east-1" });
