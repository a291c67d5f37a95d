// Run by the mongo-init Job, as the root user: initiates the one-member replica set (once),
// then gives each service a user of its own whose role reaches only that service's
// collections (generated/mongo-collections.json). Safe to run again: roles and passwords are
// brought up to date.
const fs = require("fs");
const collections = JSON.parse(fs.readFileSync("/init/mongo-collections.json", "utf8"));
try {
  rs.status();
} catch (e) {
  rs.initiate({ _id: "rs0", members: [{ _id: 0, host: "mongo-0.mongo:27017" }] });
}
while (!db.hello().isWritablePrimary) sleep(500);
const app = db.getSiblingDB("lastmile");
const actions = ["find", "insert", "update", "remove", "createIndex", "listIndexes"];
for (const [service, names] of Object.entries(collections)) {
  const privileges = names.map((c) => ({ resource: { db: "lastmile", collection: c }, actions }));
  const pwd = fs.readFileSync(`/users/${service}`, "utf8").trim();
  if (app.getRole(service)) app.updateRole(service, { privileges, roles: [] });
  else app.createRole({ role: service, privileges, roles: [] });
  if (app.getUser(service)) app.updateUser(service, { pwd, roles: [service] });
  else app.createUser({ user: service, pwd, roles: [service] });
}
print("mongo-init: replica set ready, users of " + Object.keys(collections).join(", "));
