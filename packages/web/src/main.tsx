/** @module Entry point of the web UI's bundle (esbuild → packages/tminus/dist/ui/main.js). */
import { render } from 'preact';

import { App } from './app.js';
import './style.css';

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
