import type { Access } from "../../auth/access";
import { getById } from "../by-id";
import { contextOf } from "../operation";
import { Calibration } from "./schemas";

export const access: Access = { auth: "key", scopes: ["calibrate"], objects: { path: "calibration" }, spends: false };

export const { route, register } = getById(
  {
    path: "/v1/calibrations/{id}",
    tag: "calibrations",
    summary: "Get a calibration profile",
    idPrefix: "cb",
    ok: { description: "The profile.", schema: Calibration },
  },
  (id, c) => c.get("services").calibrations.byId(id, contextOf(c)),
);
