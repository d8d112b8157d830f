import React from 'react';
import { PluginPage } from '@grafana/runtime';
import { testIds } from '../components/testIds';

// Routing placeholder from the scaffold; the pages helper replaces this page's body.
function StreamHealth() {
  return (
    <PluginPage>
      <div data-testid={testIds.streamHealth.container} />
    </PluginPage>
  );
}

export default StreamHealth;
