/** Entry of the bundled language server the VS Code client starts (IPC or stdio, from argv). */
import { startServer } from './server';

startServer();
