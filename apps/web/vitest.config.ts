import { i386mmProject } from "../../vitest.project.js";

export default i386mmProject("web");
